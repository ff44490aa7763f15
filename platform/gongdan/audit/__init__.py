"""The audit trail: who changed what in the configuration and reference data, and when."""
