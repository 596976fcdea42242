import HandbookCodec

/// The whole content of a handbook in Chinese and English.
public enum HandbookText {
    public static func render(_ content: HandbookContent) -> String {
        let header = content.header
        var lines: [String] = []
        lines.append("信用手册 Credit handbook \(header.documentNumber) — 卡 card \(header.cardSerial)")
        lines.append(
            "  签发 issued \(header.issuedAt) by \(header.issuingOffice.name) (\(header.issuingOffice.region.code)); 有效至 valid until \(header.expiresOn); 数据库版本 revision \(header.databaseRevision)"
        )
        let enterprise = content.enterprise
        lines.append("企业 Enterprise")
        lines.append("  \(enterprise.name) · 统一社会信用代码 USCC \(enterprise.uscc)")
        lines.append(
            "  法定代表人 legal representative \(enterprise.legalRepresentative) · 注册属地 registered in \(enterprise.registeredRegion.name) (\(enterprise.registeredRegion.code))"
        )
        lines.append("资质 Qualifications (\(content.qualifications.count))")
        for item in content.qualifications {
            lines.append(
                "  \(item.category) \(item.grade) · 证书 \(item.certificateNumber) · \(item.validFrom)–\(item.validUntil) · \(item.issuingAuthority)"
            )
        }
        lines.append(
            "注册执业人员 Registered practitioners (\(content.practitioners.count), \(content.omitted.practitioners) left out)"
        )
        for item in content.practitioners {
            lines.append(
                "  \(item.name) · \(item.registrationType) \(item.registrationNumber) · \(item.maskedIdentityNumber)")
        }
        lines.append(
            "业绩 Performance: \(content.performance.projectCount) projects, 合同额 \(content.performance.totalContractAmount) 元 (\(content.projects.count) shown, \(content.omitted.projects) left out)"
        )
        for item in content.projects {
            lines.append(
                "  \(item.projectNumber) \(item.name) · \(item.role.chineseName) · \(item.contractAmount) 元"
                    + (item.completionDate.map { " · 竣工 completed \($0)" } ?? "")
                    + (item.awards.isEmpty ? "" : " · \(item.awards.joined(separator: "、"))"))
        }
        lines.append(
            "信用记录 Credit records (\(content.creditRecords.count), \(content.omitted.goodRecords) good records left out)"
        )
        for item in content.creditRecords {
            let code = item.behaviourCode.map { " \($0.code) \($0.behaviourDescription ?? "(地方代码 local code)")" } ?? ""
            lines.append(
                "  \(item.recordNumber) \(item.kind.chineseName)\(code) · \(item.decisionNumber) · \(item.authority)（\(item.authorityLevel.chineseName)）· 决定 decided \(item.decisionDate) · 公布 published \(item.publishedFrom)–\(item.publishedUntil)"
            )
            lines.append("    \(item.summary)")
        }
        return lines.joined(separator: "\n")
    }
}
