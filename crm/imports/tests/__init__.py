from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples"


def sample(name: str) -> bytes:
    """A file of samples/: copies of the research samples, plus the ones made for these tests."""
    return (SAMPLES / name).read_bytes()
