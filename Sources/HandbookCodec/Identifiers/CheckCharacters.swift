/// The check-character schemes of the identifiers (Docs/ARCHITECTURE.md §11.1), on character values.
enum CheckCharacters {
    /// GB 32100: ISO 7064 MOD 31-3 over the first 17 characters; returns the check value 0–30.
    static let usccWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    static func uscc(_ values: some Sequence<Int>) -> Int {
        let sum = zip(values, usccWeights).reduce(0) { $0 + $1.0 * $1.1 }
        return (31 - sum % 31) % 31
    }

    /// GB 11714: weights 3 7 9 10 5 8 4 2 over the 8 body characters; returns 0–10 (10 = 'X').
    static func organizationCode(_ values: some Sequence<Int>) -> Int {
        let sum = zip(values, [3, 7, 9, 10, 5, 8, 4, 2]).reduce(0) { $0 + $1.0 * $1.1 }
        let r = 11 - sum % 11
        return r == 11 ? 0 : r
    }

    /// ISO 7064 MOD 11,10 (GB/T 17710) over the digits; returns the check digit.
    static func mod11_10(_ digits: some Sequence<Int>) -> Int {
        var p = 10
        for digit in digits {
            var s = (digit + p) % 10
            if s == 0 { s = 10 }
            p = (2 * s) % 11
        }
        return (11 - p) % 10
    }

    /// ISO 7064 MOD 11-2 (GB 11643) over 17 digits; returns 0–10 (10 = 'X').
    static func mod11_2(_ digits: some Sequence<Int>) -> Int {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return (12 - sum % 11) % 11
    }
}

extension Character {
    /// The value of an ASCII digit, or `nil`.
    var digitValue: Int? {
        guard let ascii = asciiValue, (0x30...0x39).contains(ascii) else { return nil }
        return Int(ascii - 0x30)
    }
}
