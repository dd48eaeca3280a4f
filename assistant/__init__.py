"""Article assistant: grounded, cited answers over news articles."""
