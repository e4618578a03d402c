"""Reports and exports: the files and sentences both doors hand out (workbooks, HTML pages, CSV, the
verdict and notes in the reader's words). Reads the core's data; never imports a door."""
