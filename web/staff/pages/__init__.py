"""Staff pages by area: each module's views parse the form, call a service and render a GOV.UK page."""
