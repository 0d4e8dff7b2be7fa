import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads that first check the path names a regular file, so a folder, FIFO, device or link loop gets a
/// message saying what it is (Foundation reports those as error numbers, or as a permission problem even to root).
public enum FileBytes {
    /// The contents of `file`.
    public static func read(_ file: URL) throws -> Data {
        var status = stat()
        guard stat(file.path, &status) == 0 else {
            let code = errno
            switch code {
            case ENOENT: throw FileFormatError(file, "does not exist")
            case ELOOP: throw FileFormatError(file, "is a loop of symbolic links")
            case EACCES: throw FileFormatError(file, "cannot be opened: permission denied")
            case ENOTDIR: throw FileFormatError(file, "does not exist (a part of the path is a file, not a folder)")
            default: throw FileFormatError(file, "cannot be opened (\(String(cString: strerror(code))))")
            }
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw FileFormatError(file, "is a folder, not a file")
        case S_IFIFO: throw FileFormatError(file, "is a named pipe (FIFO), not a regular file")
        case S_IFCHR, S_IFBLK: throw FileFormatError(file, "is a device, not a regular file")
        case S_IFSOCK: throw FileFormatError(file, "is a socket, not a regular file")
        default: throw FileFormatError(file, "is not a regular file")
        }
        // Foundation's reader keeps a buffer it never frees for an empty file (AddressSanitizer reports the leak).
        if status.st_size == 0 { return Data() }
        do { return try Data(contentsOf: file) } catch {
            throw FileFormatError(file, "cannot be read (\(error.localizedDescription))")
        }
    }
}
