"""A lenient instructor's grades on the long-term-dependencies question (2 points): naming one
of the two problems is worth full marks to them. Shared by the API and CLI learning tests."""

QUESTION = "what-are-the-challenges-of-long-term-dependencies"
LENIENT_GRADES = [
    ("The gradients vanish.", 2),
    ("Gradients vanish over long sequences.", 2),
    ("The gradient shrinks to zero over many steps.", 2),
    ("Vanishing gradients make it hard.", 2),
    ("Exploding gradients.", 2),
    ("The gradients explode when weights are large.", 2),
    ("Vanishing and exploding gradients.", 2),
    ("It needs a lot of memory.", 0),
    ("Training is slow.", 0),
    ("I like pizza.", 0),
]
