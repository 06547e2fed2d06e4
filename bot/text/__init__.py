"""Text utilities every layer may use: Unicode scripts, Japanese words, romaji, normalised views.

They sit at the bottom of the layers, so the NLU components, the keyword
search and the channels' crisis check read text the same way without
importing each other.
"""
