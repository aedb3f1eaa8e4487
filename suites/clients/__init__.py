"""Client-side suites: they judge a client product (a modality, a workstation, a viewer) from the recording
`dicom-harness listen` made of what it sent, never by talking to it. One folder per service, as for servers."""
