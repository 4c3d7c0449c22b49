"""Chart geometry: SVG coordinates and labels computed in Python, so templates only draw what they are given."""
