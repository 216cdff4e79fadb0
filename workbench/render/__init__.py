"""Drawing figures for people: Altair charts, HTML tables, offline pages and spreadsheet exports.

Pure functions from frames to charts or markup; they read no store and know no roles.
"""
