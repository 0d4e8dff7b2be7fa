import NeuralNet
print("placeholder")
