"""Helpers shared by the transparency extensions (MIE, ethics register).

Their data are ordinary datasets; these modules read their typed rows back with the row
numbers problems should name (`tables`), publish the documents committed beside the data
(`documents`), render Markdown cells under a page's own headings (`markdown`), turn the
build date into a French calendar day (`dates`) and write Atom feeds (`feeds`).
"""
