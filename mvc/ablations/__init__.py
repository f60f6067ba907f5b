"""MVC's ablation sweep: the variants of configs/ablations.tsv and what each one changes."""
