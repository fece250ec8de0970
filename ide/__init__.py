"""LLMSpell Studio, the Qt desktop IDE for spells: it drives the engines only over DAP."""
