"""The text front end: normalization, espeak-ng phonemization and the phoneme symbol table.

Other code calls `mvc.text.frontend.text_to_ids`; `mvc.text.sentences` splits running text.
"""
