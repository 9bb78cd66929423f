"""Import jobs: startImport, importJobs, importJob."""
