// LoomText module.
