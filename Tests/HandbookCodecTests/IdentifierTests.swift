import HandbookCodec
import Testing

/// Every character substituted, one position at a time, by every other character of the set.
private func substitutions(of value: String, over alphabet: [Character]) -> [(position: Int, text: String)] {
    let characters = Array(value)
    var result: [(Int, String)] = []
    for index in characters.indices {
        for replacement in alphabet where replacement != characters[index] {
            var changed = characters
            changed[index] = replacement
            result.append((index + 1, String(changed)))
        }
    }
    return result
}

@Suite("USCC (GB 32100)")
struct USCCTests {
    static let valid = [
        "91320594780268314T", "91320583674907784J", "91310117769414851X", "91330782677204726D",
        "91321181595623636J", "913208000535020631", "91110108551385082Q", "9135052155323005XL",
        "91350100M000100Y43", "91310000132209009U",
    ]

    @Test("real identifiers from public data and constructed examples validate", arguments: valid)
    func validExamples(code: String) throws {
        let uscc = try USCC(code)
        #expect(uscc.value == code)
        #expect(uscc.warnings.isEmpty)
        #expect(uscc.organisationType == "91")
    }

    @Test("the embedded organisation code of a valid USCC passes GB 11714", arguments: valid)
    func embeddedOrganisationCode(code: String) throws {
        #expect(try USCC(code).organizationCode != nil)
    }

    @Test("every single-character substitution within the character set is rejected", arguments: valid)
    func substitutionsRejected(code: String) {
        for (position, text) in substitutions(of: code, over: USCC.characterSet) {
            #expect(throws: IdentifierError.self, "substitution at \(position)") { try USCC(text) }
        }
    }

    @Test("a wrong check character names position 18 and the expected character")
    func checkFailure() {
        #expect {
            try USCC("91320594780268314A")
        } throws: { error in
            guard let error = error as? IdentifierError else { return false }
            return error.code == .checkCharacterMismatch && error.position == 18 && error.detail.contains("\"T\"")
                && !error.description.contains("9132059478026831")
        }
    }

    @Test(
        "malformed codes name the failing position",
        arguments: [
            ("9132059478026831", IdentifierError.Code.wrongLength, nil as Int?),
            ("91320594780268314I", .invalidCharacter, 18),
            ("91320594780268314t", .invalidCharacter, 18),
            ("97320594780268314T", .unknownCategory, 2),
            ("B1320594780268314T", .unknownCategory, 1),
            ("9132A594780268314T", .invalidCharacter, 5),
            ("91990594780268314T", .unknownRegion, 3),
        ])
    func malformed(code: String, failure: IdentifierError.Code, position: Int?) {
        #expect {
            try USCC(code)
        } throws: { error in
            (error as? IdentifierError).map { $0.code == failure && $0.position == position } ?? false
        }
    }

    @Test("lenient mode accepts a pilot-area code that fails its check, with a warning; strict mode does not")
    func pilotArea() throws {
        #expect(throws: IdentifierError.self) { try USCC("91350100M0001TGQXM") }
        let lenient = try USCC("91350100M0001TGQXM", mode: .lenient)
        #expect(lenient.warnings.map(\.code) == ["USCC_PILOT_AREA_CHECK"])
        // Outside the pilot areas a failing check is an error in either mode.
        #expect(throws: IdentifierError.self) { try USCC("91320594780268314A", mode: .lenient) }
    }
}

@Suite("organisation code (GB 11714) and registration number (GS 15-2006)")
struct EnterpriseAliasTests {
    @Test(
        "valid organisation codes, with or without the hyphen",
        arguments: ["55323005-X", "55138508-2", "71610585-2", "78480020-8", "30934873-4", "M000100Y-4", "55323005X"])
    func organisationCodes(code: String) throws {
        let parsed = try OrganizationCode(code)
        #expect(parsed.description.count == 10)
    }

    @Test("a wrong organisation-code check character is rejected")
    func organisationCodeCheck() {
        #expect { try OrganizationCode("55323005-1") } throws: { ($0 as? IdentifierError)?.position == 10 }
        #expect { try OrganizationCode("5532300a-X") } throws: { ($0 as? IdentifierError)?.position == 8 }
    }

    static let registrationNumbers = [
        "410000100015088", "410000100015096", "510000000391563", "110000420083649", "310000400000017",
        "320100000000017",
    ]

    @Test("valid 15-digit registration numbers", arguments: registrationNumbers)
    func registrationNumbersValid(number: String) throws {
        #expect(try RegistrationNumber(number).value == number)
    }

    @Test("every single-digit substitution of a registration number is rejected", arguments: registrationNumbers)
    func registrationSubstitutions(number: String) {
        for (position, text) in substitutions(of: number, over: Array("0123456789")) {
            #expect(throws: IdentifierError.self, "substitution at \(position)") { try RegistrationNumber(text) }
        }
    }
}

@Suite("person identifiers (GB 11643 and travel documents)")
struct PersonIdentifierTests {
    static let residentNumbers = [
        "11010519491231002X", "310101198001010018", "320102197512310024", "330102199006150030",
    ]

    @Test("valid resident identity numbers", arguments: residentNumbers)
    func residentValid(number: String) throws {
        let id = try PersonIdentifier(type: .residentIdentityCard, number: number)
        #expect(id.birthDate != nil)
    }

    @Test("every single-character substitution of a resident identity number is rejected", arguments: residentNumbers)
    func residentSubstitutions(number: String) {
        for (position, text) in substitutions(of: number, over: Array("0123456789X")) {
            #expect(throws: IdentifierError.self, "substitution at \(position)") {
                try PersonIdentifier(type: .residentIdentityCard, number: text)
            }
        }
    }

    @Test("a lowercase x check character is normalised")
    func lowercaseX() throws {
        #expect(
            try PersonIdentifier(type: .residentIdentityCard, number: "11010519491231002x").number
                == "11010519491231002X")
    }

    @Test("a birth date that does not exist is rejected at position 7, even with a matching check character")
    func impossibleBirthDate() {
        // 19490231 with its own correct check character.
        let body = "11010519490231002"
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(body, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        let check = Array("10X98765432")[sum % 11]
        #expect {
            try PersonIdentifier(type: .residentIdentityCard, number: body + String(check))
        } throws: { error in
            (error as? IdentifierError).map { $0.code == .invalidDate && $0.position == 7 } ?? false
        }
    }

    @Test("15-digit numbers from before 1999 are accepted with their 19xx birth date")
    func legacy() throws {
        let id = try PersonIdentifier(type: .residentIdentityCard, number: "310101800101001")
        #expect(id.birthDate == (try CardDate(year: 1980, month: 1, day: 1)))
    }

    @Test("residence permits use the same check under 810000, 820000 or 830000")
    func residencePermits() throws {
        func withCheck(_ body: String) -> String {
            let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
            let sum = zip(body, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
            return body + String(Array("10X98765432")[sum % 11])
        }
        for prefix in ["810000", "820000", "830000"] {
            let number = withCheck(prefix + "19900101001")
            _ = try PersonIdentifier(type: .residencePermit, number: number)
            #expect(throws: IdentifierError.self) { try PersonIdentifier(type: .residentIdentityCard, number: number) }
        }
        #expect(throws: IdentifierError.self) {
            try PersonIdentifier(type: .residencePermit, number: "310101198001010018")
        }
    }

    @Test(
        "travel documents and officer cards pass their format checks",
        arguments: [
            (IdentityDocumentType.passport, "E12345678"), (.passport, "EA1234567"), (.passport, "G12345678"),
            (.passport, "141234567"), (.passport, "PE1234567"), (.passport, "K12345678"), (.passport, "MA1234567"),
            (.homeReturnPermit, "H32031177"), (.homeReturnPermit, "M1234567801"),
            (.taiwanCompatriotPermit, "07257456"), (.taiwanCompatriotPermit, "1234567890(B)"),
            (.officerCard, "南字第12345678号"), (.officerCard, "南字第1234"),
        ])
    func formatsValid(type: IdentityDocumentType, number: String) throws {
        _ = try PersonIdentifier(type: type, number: number)
    }

    @Test(
        "and malformed ones are refused",
        arguments: [
            (IdentityDocumentType.passport, "E1234567"), (.passport, "EI1234567"), (.passport, "X12345678"),
            (.homeReturnPermit, "H3203117"), (.homeReturnPermit, "K32031177"),
            (.taiwanCompatriotPermit, "0725745"), (.officerCard, "A字第12345678号"), (.officerCard, "南字第123号"),
        ])
    func formatsInvalid(type: IdentityDocumentType, number: String) {
        #expect { try PersonIdentifier(type: type, number: number) } throws: {
            ($0 as? IdentifierError)?.code == .invalidFormat
        }
    }

    @Test("masking keeps four characters at each end of long numbers")
    func masking() throws {
        let id = try PersonIdentifier(type: .residentIdentityCard, number: "310101198001010018")
        #expect(id.masked == "3101**********0018")
        #expect(id.description == "resident-id:3101**********0018")
        #expect(PersonIdentifier.mask("07257456") == "07****56")
        #expect(PersonIdentifier.mask("E12345678") == "E1*****78")
        #expect(PersonIdentifier.mask("ab") == "**")
    }

    @Test("errors never carry the number itself")
    func noPersonalDataInErrors() {
        #expect {
            try PersonIdentifier(type: .residentIdentityCard, number: "310101198001010019")
        } throws: { error in
            !"\(error)".contains("31010119800101001")
        }
    }
}

@Suite("region codes (GB/T 2260)")
struct RegionCodeTests {
    @Test("every province and every prefecture of Shanghai, Jiangsu and Zhejiang is listed")
    func table() {
        let table = RegionCode.table
        #expect(table.filter { $0.level == .province }.count == 34)
        #expect(table.filter { $0.level == .prefecture && $0.code.hasPrefix("32") }.count == 13)
        #expect(table.filter { $0.level == .prefecture && $0.code.hasPrefix("33") }.count == 11)
        #expect(table.contains { $0.code == "310100" })
    }

    @Test("in the three provinces a whole code must be listed; elsewhere the province decides")
    func wholeCodes() throws {
        // Codes in no edition of GB/T 2260 (the conformance review's cases): refused at their digits.
        for code in ["310150", "310198", "310199", "320599", "330199", "321301"] {
            let error = #expect(throws: IdentifierError.self, "\(code)") { try RegionCode(code) }
            #expect(error?.code == .unknownRegion, "\(code)")
        }
        // Abolished codes stay readable: records keep the code of their time.
        for code in ["310108", "310230", "320584", "330185", "330204"] { _ = try RegionCode(code) }
        // Newer codes are there too.
        for code in ["310151", "320509", "320614", "330113", "330114", "330383"] { _ = try RegionCode(code) }
        // Outside the three provinces only the province is checked.
        _ = try RegionCode("440305")
        #expect(throws: IdentifierError.self) { try RegionCode("990101") }
    }

    @Test("codes resolve to their most specific listed name")
    func names() throws {
        #expect(try RegionCode("320500").name == "苏州市")
        #expect(try RegionCode("320581").name == "常熟市")
        #expect(try RegionCode("320584").entry?.validUntil == 2012)  // 吴江市, now 吴江区 320509
        #expect(try RegionCode("310115").name == "浦东新区")
        #expect(try RegionCode("440305").name == "广东省")
        #expect(try RegionCode("310200").entry?.validUntil == 2016)
    }

    @Test(
        "unknown provinces, unknown delta prefectures and malformed codes are refused",
        arguments: [
            ("990000", IdentifierError.Code.unknownRegion), ("321400", .unknownRegion), ("31010", .wrongLength),
            ("3101A1", .invalidCharacter),
        ])
    func invalid(code: String, failure: IdentifierError.Code) {
        #expect { try RegionCode(code) } throws: { ($0 as? IdentifierError)?.code == failure }
    }
}

@Suite("behaviour codes")
struct BehaviourCodeTests {
    @Test("national codes carry their description, party and category")
    func national() throws {
        let code = try BehaviourCode("D1-1-03")
        #expect(code.isNational)
        #expect(code.party == "D1")
        #expect(code.category == "D1-1")
        #expect(code.partyName == "施工单位")
        #expect(code.categoryName == "资质")
        #expect(code.behaviourDescription == "允许其他单位或个人以本单位名义承揽工程的")
        #expect(code.warnings.isEmpty)
    }

    @Test("well-formed unknown codes are accepted as local codes, with a warning")
    func local() throws {
        let code = try BehaviourCode("D1-4-07")
        #expect(!code.isNational)
        #expect(code.behaviourDescription == nil)
        #expect(code.warnings.map(\.code) == ["BEHAVIOUR_LOCAL_CODE"])
        #expect(try BehaviourCode("G1-12-01").category == "G1-12")
    }

    @Test(
        "malformed codes name the failing position",
        arguments: [
            ("H1-1-01", 1), ("D2-1-01", 2), ("D1_1-01", 3), ("D1--01", 4), ("D1-0-01", 4), ("D1-123-01", 6),
            ("D1-1-1", 6), ("D1-1-00", 6), ("KC-001", 1),
        ])
    func malformed(code: String, position: Int) {
        #expect { try BehaviourCode(code) } throws: { ($0 as? IdentifierError)?.position == position }
    }
}
