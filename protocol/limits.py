"""All size limits of the protocol, in one value handed to the decoder."""

from __future__ import annotations

import dataclasses
from typing import Literal

__all__ = ["CLIENT_LIMITS", "SERVER_LIMITS", "LimitName", "Limits"]

#: The names a frame field may use to pick its string limit (``field(metadata=...)``).
LimitName = Literal["text", "name", "ref", "token", "label", "note", "string"]


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    """Bounds checked while decoding, before objects are built.

    ``max_frame_bytes`` bounds the encoded frame; ``max_items`` bounds every array and
    map (a map counts its pairs); ``max_depth`` bounds nesting (a flat frame has depth 1).
    String limits count Unicode code points.
    """

    # 4,000 four-byte characters plus the longest ref and cw fit under this
    max_frame_bytes: int = 20_480
    max_items: int = 32
    max_depth: int = 3
    max_text_chars: int = 4_000
    max_name_chars: int = 40
    max_ref_chars: int = 64
    max_token_chars: int = 4_096
    max_label_chars: int = 80
    max_note_chars: int = 280
    max_string_chars: int = 256

    def string_limit(self, name: LimitName) -> int:
        """The maximum length, in code points, of a string field using limit ``name``."""
        match name:
            case "text":
                return self.max_text_chars
            case "name":
                return self.max_name_chars
            case "ref":
                return self.max_ref_chars
            case "token":
                return self.max_token_chars
            case "label":
                return self.max_label_chars
            case "note":
                return self.max_note_chars
            case "string":
                return self.max_string_chars


#: What a server accepts from clients.
CLIENT_LIMITS = Limits()

#: What a client accepts from a server: ``welcome`` carries history and the member list,
#: so frames are larger and deeper.
SERVER_LIMITS = Limits(max_frame_bytes=2 * 1024 * 1024, max_items=1_024, max_depth=4)
