"""A procedural two-person interaction data set written in InterHuman's on-disk layout.

Modules, one idea each:
    body          per-person proportions (rest offsets scaled to 1.55-1.95 m)
    ik            two-bone IK, bone frames, look-at angles
    timeline      easing, envelopes, reaction delays, heading tracking
    locomotion    footstep planning (planted feet, alternating swings) and walking paths
    pose          control tracks -> exact local rotations and positions (FK)
    scene         the two-person scene that phase builders write into; contacts
    interactions  the vocabulary: 23 phase types, each an initiator's action and a reaction
    captions      three InterHuman-style paraphrases per clip and per-person descriptions
    generator     seeded clip plans, contrast pairs, held-out combinations, clip solving
    writer        InterHuman layout, splits, order-sensitive test list, manifest

Build with ``python -m training.build_dataset``; look with ``python -m training.gallery``.
"""
