from __future__ import annotations

from guard.warmclient import main

main()
