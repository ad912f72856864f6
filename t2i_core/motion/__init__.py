"""Two-person motion representation: rotations, kinematics, the 262-D feature, mirroring."""
