"""PS3.4 Annex C and PS3.7 9.3.2-9.3.4: the Query/Retrieve SCU (a workstation querying and retrieving)."""
