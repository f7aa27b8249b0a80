"""NLP annotations: language, normal forms, entities."""
