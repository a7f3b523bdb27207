"""Administration: who holds a legitimate relationship with which child."""
