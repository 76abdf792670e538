import sys

from seqgan_gumbel.cli.parser import main

sys.exit(main())
