"""UPS-RS, the Worklist Service (PS3.18 11), with the Unified Procedure Step behaviour of PS3.4 Annex CC."""
