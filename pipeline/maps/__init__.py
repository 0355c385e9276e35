"""Maps: choropleths, point and shape maps drawn with folium/Leaflet, each with a table."""
