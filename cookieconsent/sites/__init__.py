"""Sites: their origins, keys and services, their policy versions, snapshots for workers."""
