/// The site's words in Chinese (the default) and English. Templates read them as `{{t.key}}`.
enum Language: String, Sendable {
    case chinese = "zh"
    case english = "en"

    var strings: [String: String] { self == .chinese ? Strings.chinese : Strings.english }

    /// A label of a record kind, a role, a level, a standing or a document state.
    func name(_ key: String) -> String { strings["name." + key] ?? key }
}

enum Strings {
    static let chinese: [String: String] = [
        "htmlLang": "zh-CN", "otherHtmlLang": "en", "otherLanguage": "English",
        "siteName": "长三角建筑市场信用信息网", "skip": "跳到正文", "mainNav": "主导航",
        "enterprises": "企业", "practitioners": "注册人员", "projects": "工程项目", "badRecords": "不良行为记录",
        "goodRecords": "良好行为记录", "blacklist": "黑名单", "documentCheck": "信用手册查验",
        "footer": "上海市、江苏省、浙江省建筑市场信用信息，依据建市〔2007〕9号、建市〔2017〕241号公开。不良行为记录仅在公开期限内公布。",
        "readAt": "数据库版本", "asOf": "公开日期", "pages": "分页",
        "homeHeading": "查询建筑市场主体信用信息", "homeLead": "输入企业名称的任意部分，或统一社会信用代码、组织机构代码、工商注册号。",
        "searchLabel": "企业名称或代码", "searchPlaceholder": "如：华东、苏州、91320594…", "search": "查询", "browse": "其他查询",
        "practitionersHint": "按姓名或注册编号", "projectsHint": "按项目编号、名称、获奖", "badHint": "公开期限内的不良行为记录",
        "blacklistHint": "列入黑名单的企业", "goodHint": "表彰与奖励", "checkHint": "输入手册编号或卡号，核验真伪与现行状态",
        "enterpriseQuery": "企业名称或代码", "region": "地区", "any": "全部", "qualificationCategory": "资质类别",
        "hasBadNow": "仅显示现有不良行为或黑名单记录的企业", "noResults": "没有找到符合条件的结果。", "name": "名称",
        "badNow": "现有不良记录", "results": "共 %@ 条结果", "resultsAtLeast": "超过 %@ 条结果，请缩小范围",
        "page": "第 %@ 页", "previous": "上一页", "next": "下一页",
        "signedReport": "下载签名信用报告", "printable": "打印版", "organisationCode": "组织机构代码",
        "registrationNumberOld": "工商注册号", "legalRepresentative": "法定代表人", "creditRecordsNow": "现行公开的信用记录",
        "noRecordsNow": "目前没有在公开期限内的信用记录。", "qualifications": "资质", "category": "类别", "grade": "等级",
        "certificate": "证书编号", "validity": "有效期", "standing": "状态", "none": "无。", "registrationType": "注册类别",
        "registrationNumber": "注册编号", "identity": "证件号码（已遮蔽）", "projectNumber": "项目编号", "role": "角色",
        "amount": "合同金额（元）", "completed": "竣工日期", "awards": "获奖", "award": "奖项",
        "source": "信息来源：各地住房和城乡建设主管部门记录，省级主管部门审核发布；长三角区域建筑市场信用信息平台。",
        "recordNumber": "记录编号", "enterprise": "企业", "kind": "类别", "behaviour": "行为代码", "decision": "处理决定",
        "publishedUntil": "公开期限", "publicUntil": "公开至", "recordedBy": "记录：", "publishedByLabel": "审核发布：",
        "practitionerQuery": "姓名或注册编号", "registrations": "注册信息", "validUntil": "有效期至", "projectQuery": "项目编号或名称",
        "participants": "参建单位", "behaviourCategory": "行为类别", "authorityLevel": "实施部门级别", "decidedFrom": "决定日期自",
        "decidedUntil": "决定日期至", "filter": "筛选", "record": "信用记录", "decisionNumber": "决定文号", "authority": "实施部门",
        "decisionDate": "决定日期", "summary": "事由", "publication": "公开期限", "sourceLabel": "来源",
        "checkLead": "输入信用手册上印的手册编号（16位数字）或卡号（16位），查询它是否为该企业现行有效的信用手册。",
        "checkLabel": "手册编号或卡号", "checkButton": "查验", "document": "手册编号", "issuedOn": "发放日期",
        "checkNotFound": "没有这本手册：请核对编号。", "backHome": "返回首页", "notFound": "未找到", "badRequest": "请求有误",
        "notFoundMessage": "没有这个页面或记录；不在公开期限内的记录不予公布。", "tooMany": "请求过于频繁",
        "tooManyMessage": "请稍后再试。", "unavailable": "暂时无法提供服务", "unavailableMessage": "请稍后再试。",
        "name.good": "良好行为", "name.bad": "不良行为", "name.blacklist": "黑名单",
        "name.ministry": "部级", "name.province": "省级", "name.city": "市级", "name.county": "县级",
        "name.valid": "有效", "name.expired": "已过期", "name.suspended": "暂扣", "name.revoked": "已撤销",
        "name.current": "现行有效", "name.superseded": "已被新手册取代", "name.revokedDocument": "已吊销",
        "name.endedSuperseded": "取代日期", "name.endedRevoked": "吊销日期",
        "name.general-contractor": "施工总承包", "name.subcontractor": "专业分包", "name.design": "设计",
        "name.survey": "勘察", "name.supervision": "监理", "name.construction-unit": "建设单位", "name.cost-consulting": "造价咨询",
    ]

    static let english: [String: String] = [
        "htmlLang": "en", "otherHtmlLang": "zh-CN", "otherLanguage": "中文",
        "siteName": "Yangtze River Delta Construction Credit Information", "skip": "Skip to content",
        "mainNav": "Main navigation", "enterprises": "Enterprises", "practitioners": "Practitioners",
        "projects": "Projects", "badRecords": "Bad records", "goodRecords": "Good records", "blacklist": "Blacklist",
        "documentCheck": "Handbook check",
        "footer":
            "Construction-market credit information of Shanghai, Jiangsu and Zhejiang, published under 建市〔2007〕9号 and 建市〔2017〕241号. Bad records are shown only within their publication period.",
        "readAt": "Database revision", "asOf": "as of", "pages": "Pages",
        "homeHeading": "Search the credit information of construction enterprises",
        "homeLead":
            "Type any part of an enterprise's name, or its unified social credit code, organisation code or registration number.",
        "searchLabel": "Enterprise name or code", "searchPlaceholder": "e.g. 华东, 苏州, 91320594…", "search": "Search",
        "browse": "More searches", "practitionersHint": "by name or registration number",
        "projectsHint": "by number, name or award", "badHint": "bad records within their publication period",
        "blacklistHint": "enterprises on the blacklist", "goodHint": "commendations and awards",
        "checkHint": "is a handbook genuine and current?", "enterpriseQuery": "Enterprise name or code", "region": "Region",
        "any": "Any", "qualificationCategory": "Qualification category",
        "hasBadNow": "Only enterprises with bad or blacklist records now", "noResults": "Nothing matches.", "name": "Name",
        "badNow": "Bad records now", "results": "%@ results", "resultsAtLeast": "more than %@ results — narrow the search",
        "page": "page %@", "previous": "Previous", "next": "Next", "signedReport": "Download the signed credit report",
        "printable": "Printable", "organisationCode": "Organisation code", "registrationNumberOld": "Registration number",
        "legalRepresentative": "Legal representative", "creditRecordsNow": "Credit records published now",
        "noRecordsNow": "No credit record is within its publication period now.", "qualifications": "Qualifications",
        "category": "Category", "grade": "Grade", "certificate": "Certificate", "validity": "Valid", "standing": "Standing",
        "none": "None.", "registrationType": "Registration type", "registrationNumber": "Registration number",
        "identity": "Identity number (masked)", "projectNumber": "Project number", "role": "Role",
        "amount": "Contract amount (CNY)", "completed": "Completed", "awards": "Awards", "award": "Award",
        "source":
            "Source: recorded by the construction authorities of each region, approved and published by the provincial authority; Yangtze River Delta construction-market credit platform.",
        "recordNumber": "Record", "enterprise": "Enterprise", "kind": "Kind", "behaviour": "Behaviour code",
        "decision": "Decision", "publishedUntil": "Publication", "publicUntil": "public until",
        "recordedBy": "recorded in", "publishedByLabel": "published by", "practitionerQuery": "Name or registration number",
        "registrations": "Registrations", "validUntil": "Valid until", "projectQuery": "Project number or name",
        "participants": "Participants", "behaviourCategory": "Behaviour category", "authorityLevel": "Authority level",
        "decidedFrom": "Decided from", "decidedUntil": "Decided until", "filter": "Filter", "record": "Credit record",
        "decisionNumber": "Decision number", "authority": "Authority", "decisionDate": "Decision date",
        "summary": "Facts", "publication": "Publication period", "sourceLabel": "Source",
        "checkLead":
            "Type the handbook number (16 digits) or the card number printed on the card to learn whether it is the enterprise's current handbook.",
        "checkLabel": "Handbook or card number", "checkButton": "Check", "document": "Handbook",
        "issuedOn": "Issued on", "checkNotFound": "No such handbook: check the number.", "backHome": "Back to the home page",
        "notFound": "Not found", "badRequest": "Bad request",
        "notFoundMessage": "There is no such page or record; records outside their publication period are not shown.",
        "tooMany": "Too many requests", "tooManyMessage": "Please try again shortly.",
        "unavailable": "Temporarily unavailable", "unavailableMessage": "Please try again shortly.",
        "name.good": "good behaviour", "name.bad": "bad behaviour", "name.blacklist": "blacklist",
        "name.ministry": "ministry", "name.province": "province", "name.city": "city", "name.county": "county",
        "name.valid": "valid", "name.expired": "expired", "name.suspended": "suspended", "name.revoked": "revoked",
        "name.current": "current", "name.superseded": "superseded by a newer handbook", "name.revokedDocument": "revoked",
        "name.endedSuperseded": "superseded on", "name.endedRevoked": "revoked on",
        "name.general-contractor": "general contractor", "name.subcontractor": "subcontractor", "name.design": "design",
        "name.survey": "survey", "name.supervision": "supervision", "name.construction-unit": "construction unit",
        "name.cost-consulting": "cost consulting",
    ]
}
