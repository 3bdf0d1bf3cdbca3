import LoomModels
print("loom-bench")
