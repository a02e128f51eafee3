from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed names once `collectstatic` has run (as `wenming serve` does);
    the plain names before that, served from the packages by WhiteNoise's finders."""

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
