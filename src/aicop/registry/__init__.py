"""Registry scale: scan, inventory and verify models in object stores, on one machine or a Ray cluster.

``store`` lists a URL (``s3://``, ``gs://``, ``az://`` through their fsspec packages, a local path, a
Hugging Face cache mirror) and reads objects by range; ``digest`` hashes them in bounded memory, by
parts for big objects; ``state`` remembers what each object was (ETag, version, size, time) so an
unchanged object is not read again; ``engine`` splits the work into tasks and ``executors`` runs them
in local threads or on Ray. The format readers are the scanner's own (``aicop.scan.ranged``).
"""
