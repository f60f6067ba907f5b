"""Tables, plots and the report built from the workflow's outputs."""
