"""DataArts Factory scripts (the V1 DLF script API, the V2 listing): values, calls, flows, conditions."""
