"""Config phase: YAML (1.2 core, strict) -> environment interpolation -> JSON Schema -> typed model."""
