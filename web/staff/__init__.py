"""The staff pages: server-rendered GOV.UK-styled HTML for Kent PACT coordinators, officers and admins."""
