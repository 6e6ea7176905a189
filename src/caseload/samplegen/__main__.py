"""``python -m caseload.samplegen OUT_DIR``: see :func:`caseload.samplegen.main`."""

from caseload.samplegen import main

raise SystemExit(main())
