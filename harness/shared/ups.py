"""Unified Procedure Step words both sides use (PS3.4 Annex CC; PS3.18 11): states, event types, the
subscription resources."""

UPS_PUSH_SOP_CLASS = "1.2.840.10008.5.1.4.34.6.1"
WORKLIST_UID = "1.2.840.10008.5.1.4.34.5"              # Global Subscription (PS3.4 CC.3.1)
FILTERED_WORKLIST_UID = "1.2.840.10008.5.1.4.34.5.1"   # Filtered Global Subscription

# Procedure Step State (0074,1000), PS3.4 Table CC.1.1-1
SCHEDULED, IN_PROGRESS, COMPLETED, CANCELED = "SCHEDULED", "IN PROGRESS", "COMPLETED", "CANCELED"
FINAL_STATES = (COMPLETED, CANCELED)

# Event Type IDs, PS3.4 Table CC.2.4-1
STATE_REPORT, CANCEL_REQUESTED, PROGRESS, SCP_STATUS_CHANGE, ASSIGNED = 1, 2, 3, 4, 5
