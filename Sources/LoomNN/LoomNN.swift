// LoomNN module.
