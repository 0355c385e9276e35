"""WCAG 2.1 contrast of the settings' colours, checked before anything is built."""

from __future__ import annotations

from pipeline.config import SiteSettings
from pipeline.report import Problem

AA_NORMAL_TEXT = 4.5


def relative_luminance(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted(
        (relative_luminance(foreground), relative_luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def check_contrast(settings: SiteSettings) -> list[Problem]:
    colors = settings.colors
    pairs = {
        "text on background": (colors.text, colors.background),
        "primary on background (links)": (colors.primary, colors.background),
        "background on primary (header, buttons)": (colors.background, colors.primary),
        "accent on background": (colors.accent, colors.background),
    }
    problems = []
    for name, (fg, bg) in pairs.items():
        ratio = contrast_ratio(fg, bg)
        if ratio < AA_NORMAL_TEXT:
            problems.append(Problem(
                "error", "contrast", f"Colour contrast of {name} is {ratio:.2f}:1, below the "
                f"{AA_NORMAL_TEXT}:1 that RGAA/WCAG AA requires.", file="site.yaml",
                value=f"{fg} on {bg}", hint="Choose a darker or lighter colour in site.yaml."))
    return problems
