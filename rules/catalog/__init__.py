"""The rule catalogue: one module per group of RD codes, each rule registered on import.

`rules.registry` imports every module of this package (in name order) the first time rules
are listed, so a new module registers its rules without being named here.
"""
