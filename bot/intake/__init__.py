"""How updates come in: long polling's screened requests, per-chat ordering in a process and across replicas."""
