import LoomModels
print("loom")
