package dev.nimbo.drivers.ds;

import java.nio.file.Path;

/**
 * Files on the front-end that wait to become an image's bytes: a disk saved from a kvm host (disk save-as) is
 * downloaded here by the transfer driver, and the storage manager copies it into the image's datastore when it
 * registers the image, then deletes it. One file per image ID under the daemon's data directory.
 */
public final class StagedImages {
    private StagedImages() {
    }

    /** The directory of staged files in a daemon's data directory. */
    public static Path dir(Path dataDir) {
        return dataDir.resolve("staged-images");
    }

    /** The staged file of an image. */
    public static Path of(Path dataDir, int imageId) {
        return dir(dataDir).resolve("image-" + imageId);
    }
}
