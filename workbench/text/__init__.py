"""Reading what people wrote: the outcome statement reader (outcome or process, clear or vague)."""
