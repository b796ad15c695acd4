"""PatchData (supplement data) runs: backfill a scheduled job over a date range (V2 factory API)."""
