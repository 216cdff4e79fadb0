"""What each dashboard shows, as frames and figures: the service pages, the team lead's page and team audits.

The widgets draw these; the logic and the scoping live here, where they are unit-tested.
"""
