import CreditStore
import Foundation
import HandbookCodec
import Hummingbird
import Mustache

/// The console's language: Chinese by default, English with `lang=en` (in the query of a page or
/// of a form's action). Templates read the words as `{{t.key}}`.
enum ConsoleLanguage: String, Sendable {
    case chinese = "zh"
    case english = "en"

    var strings: [String: String] { self == .chinese ? ConsoleStrings.chinese : ConsoleStrings.english }

    static func of(_ request: Request) -> ConsoleLanguage {
        request.uri.queryParameters.get("lang") == "en" ? .english : .chinese
    }

    /// A label of a state, role, kind or level (`name.<key>`); the key itself when there is none.
    func name(_ key: String) -> String {
        strings["name." + key] ?? key.split(separator: ".").last.map(String.init) ?? key
    }

    /// What an action of the table is called.
    func action(_ action: Action) -> String {
        self == .chinese ? ConsoleStrings.chineseActions[action] ?? action.rawValue : action.rawValue
    }

    /// Why an account's role may not take an action: its role and the roles that may.
    func refusal(_ account: Account, _ action: Action) -> String {
        let roles = action.roles.map { name("role." + $0.rawValue) }.sorted()
        if self == .chinese {
            return
                "账户 \(account.name) 的角色是\(name("role." + account.role.rawValue))；\(self.action(action))需要以下角色之一：\(roles.joined(separator: "、"))。"
        }
        return
            "account \(account.name) is a \(account.role.rawValue); to \(action.rawValue) takes a \(roles.joined(separator: " or "))"
    }

    /// A region as `code name`.
    func region(_ region: RegionCode) -> String { "\(region.code) \(region.name)" }

    static let queryAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~/")
        return set
    }()

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? ""
    }

    /// A link within the console in `language`.
    static func link(_ path: String, _ parameters: [(String, String)], language: ConsoleLanguage) -> String {
        var pairs = parameters.filter { !$0.1.isEmpty }
        if language == .english { pairs.append(("lang", "en")) }
        guard !pairs.isEmpty else { return path }
        let separator = path.contains("?") ? "&" : "?"
        return path + separator + pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// This page in the other language.
    func switchLink(_ request: Request) -> String {
        var pairs: [(String, String)] = []
        for (key, value) in request.uri.queryParameters where key != "lang" && key != "csrf" {
            pairs.append((String(key), String(value)))
        }
        let path = request.method == .get ? request.uri.path : "/console"
        return Self.link(path, pairs, language: self == .chinese ? .english : .chinese)
    }
}

enum ConsoleStrings {
    static let chineseActions: [Action: String] = [
        .searchEnterprises: "查询企业", .readEnterprise: "查看企业", .readView: "查看现行手册内容", .recordCredit: "采集信用记录",
        .readRecord: "查看信用记录", .approveRecord: "审核信用记录", .rejectRecord: "退回信用记录", .publishRecord: "发布信用记录",
        .withdrawRecord: "撤销信用记录", .amendRecord: "更正信用记录", .requestShortening: "提出缩短公开期限申请",
        .decideShortening: "决定缩短公开期限申请", .listReaders: "查看读卡器", .issueHandbook: "发卡（写入信用手册）",
        .registerCard: "登记空白卡", .readJournal: "查看发卡日志", .readCard: "查看卡状态", .readReference: "查询卡的参照信息",
        .revokeCard: "注销卡和手册", .readChecks: "查看查验记录", .sendCheck: "提交查验记录", .exportPackage: "下载数据包",
        .importData: "导入省级数据", .readAudit: "查看审计日志", .manageAccounts: "管理账户", .loadDemoData: "加载演示数据",
    ]

    static let chinese: [String: String] = [
        "htmlLang": "zh-CN", "otherHtmlLang": "en", "otherLanguage": "English",
        "consoleName": "建筑市场信用信息采集与审批系统", "skip": "跳到正文", "mainNav": "主菜单", "logout": "退出",
        "signedInAs": "当前账户", "today": "今天",
        "navHome": "首页", "navEnterprises": "企业", "navMine": "我的记录", "navQueue": "待审核", "navIssue": "发卡",
        "navData": "数据交换", "navChecks": "查验记录", "navAudit": "审计日志", "navAccounts": "账户",
        "loginTitle": "登录", "loginLead": "请使用本单位分配的账户登录。连续输错密码将被暂时限制。", "loginFailed": "账户不存在或密码错误。",
        "loginThrottled": "失败次数过多，请 %@ 秒后再试。", "accountName": "账户名", "password": "密码", "loginButton": "登录",
        "forbidden": "无权操作", "notFound": "未找到", "conflict": "当前状态不允许此操作", "tooLarge": "内容过大",
        "throttled": "请求过于频繁", "badRequest": "请检查输入", "internal": "系统暂时无法完成",
        "internalMessage": "系统内部错误，已记录在服务日志中，请稍后再试或联系管理员。",
        "csrfMessage": "表单令牌无效或缺失（页面可能已过期）：请返回重新打开页面后再提交。", "noSuchObject": "没有这个对象。",
        "backHome": "返回首页", "errorCode": "错误代码",
        "homeTitle": "工作台", "homeQueue": "待审核和待发布的记录", "homeRecord": "采集信用记录（先查找企业）", "homeRejected": "被退回的记录",
        "homeIssue": "发卡", "homeImport": "导入数据、下载数据包", "homeChecks": "现场查验记录", "homeAudit": "审计日志",
        "homeAccounts": "管理账户", "mayDo": "本账户可以", "revisionNow": "数据库版本",
        "enterprisesTitle": "查找企业", "searchLabel": "企业名称（开头部分）、统一社会信用代码、组织机构代码或工商注册号", "search": "查询",
        "noResults": "没有找到企业。", "uscc": "统一社会信用代码", "region": "注册地", "legalRepresentative": "法定代表人",
        "organizationCode": "组织机构代码", "registrationNumber": "工商注册号", "recordNew": "采集信用记录", "issueCard": "发卡",
        "records": "信用记录（全部状态）", "cards": "信用卡", "noRecords": "没有信用记录。", "noCards": "没有卡。", "name": "名称",
        "newRecordTitle": "采集信用记录", "required": "必填", "noEnterprise": "数据库中没有这个企业（可输入统一社会信用代码、组织机构代码或工商注册号；外省企业须先导入）",
        "chooseKind": "请选择记录类别", "chooseLevel": "请选择机关级别", "wholeMonths": "请输入整数月数",
        "formHasErrors": "表单有错误，已保留您输入的内容，请按提示修改。", "find": "查找代码", "codesShown": "个代码",
        "chooseCode": "— 选择行为代码 —", "save": "提交审核",
        "field_uscc": "企业", "field_region": "采集地区代码", "field_kind": "类别", "field_behaviourCode": "行为代码",
        "field_projectNumber": "项目编号", "field_decisionNumber": "决定文号", "field_authority": "决定机关",
        "field_authorityLevel": "机关级别", "field_decisionDate": "决定日期", "field_publicationMonths": "公开期限（月）",
        "field_summary": "摘要", "field_codeSearch": "在全国行为代码表中查找", "field_reason": "理由", "field_on": "发布日期",
        "field_until": "公开截止日", "field_reader": "读卡器", "field_file": "导入文件", "field_password": "新密码",
        "field_from": "起始日期", "field_through": "截止日期", "field_account": "账户", "field_action": "操作",
        "field_subject": "对象", "field_role": "角色", "field_regions": "地区", "field_name": "账户名", "field_profile": "卡型",
        "hint.uscc": "统一社会信用代码、组织机构代码或工商注册号；省外注册的企业也可采集（须已在库中）。",
        "hint.region": "本单位所在地区代码，须在账户的管辖地区内。", "hint.kind": "良好行为、不良行为或黑名单。",
        "hint.behaviourCode": "不良行为和黑名单必须选择全国统一行为代码（或本省扩展代码）；良好行为不填。",
        "hint.projectNumber": "可选，须为库中已有项目。", "hint.decisionNumber": "1–64 个字符。", "hint.authority": "1–64 个字符。",
        "hint.authorityLevel": "作出决定的机关级别。", "hint.decisionDate": "YYYY-MM-DD，2005-01-01 至今天。",
        "hint.publicationMonths": "不良行为和黑名单 6–36 个月；良好行为 36 个月。", "hint.summary": "1–200 个字符，不得含控制字符或双向覆盖字符。",
        "hint.reason": "必填，1–500 个字符，会显示给相关人员。",
        "mineTitle": "我采集的记录", "mineLead": "最近采集的记录及其状态；被退回的记录显示退回理由。",
        "queueTitle": "待审核", "waiting": "待审核（最早的在前）", "approvedWaiting": "已审核、待发布",
        "pendingShortenings": "待决定的缩短公开期限申请",
        "nothingWaiting": "没有。", "previousPage": "上一页", "nextPage": "下一页（更新的记录）", "record": "信用记录", "recordedBy": "采集人",
        "recordedAt": "采集时间", "status": "状态",
        "kind": "类别", "behaviour": "行为", "decision": "决定", "window": "公开期限", "version": "版本",
        "timeline": "记录时间线（每个版本：谁、何时、为什么）", "otherRecords": "该企业的其他记录", "enterprise": "企业",
        "approve": "审核通过", "reject": "退回", "publish": "发布", "withdraw": "撤销", "amend": "更正",
        "requestShortening": "申请缩短公开期限",
        "rejectedBecause": "此记录已被退回，理由：", "makerChecker": "您采集或更正过此记录，按“采集与审核分离”规则不能由您审核或发布，须由另一名审核人处理。",
        "publishWindow": "今天发布，公开期限为", "decideShortening": "决定", "refuse": "不同意", "agree": "同意",
        "shorteningRequests": "缩短公开期限申请", "requestedBy": "申请人", "decidedBy": "决定人",
        "amendTitle": "更正信用记录", "nothingChanged": "没有任何更改。", "amendLead": "只填写要更改的内容；原版本保留在历史中。", "cancel": "取消",
        "issueTitle": "发卡", "issueLead": "选择企业和卡型，查看卡上将写入的内容，再选择连接在服务主机上的读卡器发卡。",
        "plan": "卡上将写入", "qualifications": "资质", "practitioners": "注册人员", "projects": "业绩项目",
        "creditRecords": "信用记录", "unfavourable": "其中不良/黑名单", "leftOut": "未写入（摘要）", "bytes": "字节",
        "slot": "卡槽容量", "isSummary": "此卡为摘要：部分注册人员、业绩或良好记录未写入，已记录未写入的数量。",
        "readers": "读卡器", "noReaders": "服务主机上没有可用的读卡器。", "issueButton": "发卡", "choose": "查看",
        "issuedTitle": "发卡完成", "issueFailedTitle": "发卡失败", "documentNumber": "手册编号", "cardSerial": "卡号",
        "databaseRevision": "数据库版本", "viewRevision": "内容版本", "personalised": "本次完成了个人化", "superseded": "被取代的手册",
        "whatToDo": "下一步", "journalAttention": "发卡日志中该卡待处理的条目", "tryAgain": "重新发卡", "noIssuer": "本服务未配置发卡机关密钥。",
        "unknownReader": "不是本服务可用的读卡器", "sameEnterprise": "（本企业的卡）", "otherEnterprise": "（其他企业的卡）",
        "card": "卡", "cardHistory": "卡的历史", "journal": "发卡日志", "checks": "查验记录", "noChecks": "没有查验记录。",
        "revokeCard": "注销卡", "revokeDocument": "注销手册", "state": "状态", "document": "手册", "profile": "卡型",
        "dataTitle": "数据交换", "importLead": "上传 JSON Lines 导入文件（格式见导入格式说明）。整个文件全部导入或全部不导入；有错误时逐行列出。",
        "uploadButton": "上传并导入", "maxSize": "最大", "packagesLead": "下载本地区的签名数据包（离线核验用）。", "download": "下载",
        "noPackages": "本服务未配置数据包签名密钥。",
        "importTitle": "导入", "importRunning": "正在导入……本页每 2 秒自动刷新。", "importApplying": "文件已读完，正在写入数据库。",
        "importDone": "导入完成", "importFailed": "导入被拒绝，数据库未改变", "rowsRead": "已读行数", "line": "行",
        "inserted": "新增", "updated": "更新", "unchanged": "未变", "rows": "行数", "entity": "数据类型", "progress": "进度",
        "checksTitle": "现场查验记录", "checkedAt": "查验时间", "receivedAt": "收到时间", "verdict": "结论", "inspector": "查验人",
        "auditTitle": "审计日志", "filter": "筛选", "verifyChain": "校验哈希链", "chainIntact": "哈希链完整",
        "chainBroken": "哈希链在此条目处断开",
        "entries": "条目", "head": "链头", "older": "更早的条目", "at": "时间", "subject": "对象", "detail": "详情",
        "regionCode": "地区",
        "accountsTitle": "账户", "addAccount": "新增账户", "role": "角色", "regions": "地区", "disabled": "已停用", "enabled": "启用中",
        "disable": "停用", "enable": "启用", "change": "修改", "resetPassword": "重置密码", "add": "新增", "you": "（本账户）",
        "done.recorded": "已提交，等待审核。", "done.approved": "已审核通过。", "done.rejected": "已退回，理由将显示给采集人。",
        "done.published": "已发布。", "done.withdrawn": "已撤销。", "done.amended": "已更正，原版本保留在历史中。",
        "done.shortening": "缩短公开期限申请已提交。", "done.shortened": "已同意缩短公开期限。", "done.shorteningRefused": "已不同意缩短公开期限申请。",
        "done.cardRevoked": "卡已注销。", "done.documentRevoked": "手册已注销。", "done.accountChanged": "账户已修改，其会话已结束。",
        "done.accountDisabled": "账户已停用。", "done.accountEnabled": "账户已启用。", "done.passwordReset": "密码已重置。",
        "done.accountAdded": "账户已新增。",
        "advice.READER_BUSY": "该读卡器正在发卡，请等待完成后再试。",
        "advice.CARD_NO_CARD": "读卡器中没有卡：插入卡后重试。", "advice.CARD_REMOVED": "卡在写入时被取出：重新插入同一张卡，服务会根据发卡日志核对并完成或回退。",
        "advice.CAPACITY_MANDATORY_PART_TOO_LARGE": "资质和不良记录超出此卡容量：改用更大的卡型。",
        "advice.STORE_CONFLICT": "卡或手册的状态不允许发卡（例如卡已注销，或有未完成的发卡）：查看下方发卡日志。",
        "advice.CARD_STATUS_WORD": "卡拒绝了命令：检查是否为本系统的卡，或联系管理员。",
        "name.role.recorder": "采集人", "name.role.approver": "审核人", "name.role.issuer": "发卡人",
        "name.role.inspector": "查验人",
        "name.role.auditor": "审计人", "name.role.admin": "管理员",
        "name.kind.good": "良好行为", "name.kind.bad": "不良行为", "name.kind.blacklist": "黑名单",
        "name.level.ministry": "部级", "name.level.province": "省级", "name.level.city": "市级", "name.level.county": "县级",
        "name.status.recorded": "待审核", "name.status.approved": "已审核待发布", "name.status.published": "已发布",
        "name.status.rejected": "已退回", "name.status.withdrawn": "已撤销",
        "name.step.recorded": "采集", "name.step.approved": "审核通过", "name.step.published": "发布",
        "name.step.rejected": "退回",
        "name.step.withdrawn": "撤销", "name.step.amended": "更正", "name.step.shortened": "缩短公开期限",
        "name.step.imported": "导入",
        "name.shortening.pending": "待决定", "name.shortening.approved": "已同意", "name.shortening.rejected": "不同意",
        "name.reader.empty": "无卡", "name.reader.blank": "空白卡", "name.reader.handbook": "已有手册的卡",
        "name.reader.unreadable": "无法读取",
        "name.card.blank": "空白", "name.card.personalised": "已个人化", "name.card.issued": "已发卡",
        "name.card.revoked": "已注销",
        "name.document.current": "现行", "name.document.superseded": "已被取代", "name.document.revoked": "已注销",
        "name.journal.open": "进行中", "name.journal.committed": "已完成", "name.journal.abandoned": "已放弃",
        "name.journal.attention": "待人工处理",
        "name.verdict.current": "现行", "name.verdict.outdated": "已过时", "name.verdict.revoked": "已注销",
        "name.verdict.invalid": "无效", "name.verdict.unknown": "无法确定", "name.verdict.expired": "已过期",
    ]

    static let english: [String: String] = [
        "htmlLang": "en", "otherHtmlLang": "zh-CN", "otherLanguage": "中文",
        "consoleName": "Construction credit: collection and approval", "skip": "Skip to content",
        "mainNav": "Main menu",
        "logout": "Log out", "signedInAs": "Signed in as", "today": "Today",
        "navHome": "Home", "navEnterprises": "Enterprises", "navMine": "My records", "navQueue": "Approval queue",
        "navIssue": "Issue a card", "navData": "Data", "navChecks": "Proofs of check", "navAudit": "Audit log",
        "navAccounts": "Accounts",
        "loginTitle": "Log in",
        "loginLead": "Log in with the account your office gave you. Repeated wrong passwords are slowed down.",
        "loginFailed": "Unknown account or wrong password.",
        "loginThrottled": "Too many failed logins: try again in %@ s.",
        "accountName": "Account", "password": "Password", "loginButton": "Log in",
        "forbidden": "Not allowed", "notFound": "Not found", "conflict": "Not possible in the current state",
        "tooLarge": "Too large", "throttled": "Too many requests", "badRequest": "Please check the input",
        "internal": "The system could not finish",
        "internalMessage":
            "An internal error; the service log has the details. Try again later or ask an administrator.",
        "csrfMessage":
            "The form's token is missing or wrong (the page may be stale): open the page again and resubmit.",
        "noSuchObject": "No such object.", "backHome": "Back to the console", "errorCode": "Error code",
        "homeTitle": "Work", "homeQueue": "Records waiting for approval or publication",
        "homeRecord": "Record credit behaviour (find the enterprise first)",
        "homeRejected": "Records sent back", "homeIssue": "Issue a card",
        "homeImport": "Import data, download packages",
        "homeChecks": "Proofs of check from inspectors", "homeAudit": "Audit log", "homeAccounts": "Manage accounts",
        "mayDo": "This account may", "revisionNow": "Database revision",
        "enterprisesTitle": "Find an enterprise",
        "searchLabel": "Start of the name, USCC, organisation code or registration number",
        "search": "Search", "noResults": "No enterprise found.", "uscc": "USCC", "region": "Registered in",
        "legalRepresentative": "Legal representative", "organizationCode": "Organisation code",
        "registrationNumber": "Registration number", "recordNew": "Record credit behaviour",
        "issueCard": "Issue a card",
        "records": "Credit records (every state)", "cards": "Cards", "noRecords": "No credit records.",
        "noCards": "No cards.",
        "name": "Name",
        "newRecordTitle": "Record credit behaviour", "required": "required",
        "noEnterprise":
            "no such enterprise in the database (USCC, organisation code or registration number; enterprises of other provinces must be imported first)",
        "chooseKind": "choose the kind of record", "chooseLevel": "choose the authority's level",
        "wholeMonths": "a whole number of months",
        "formHasErrors": "The form has errors; what you typed is kept. Correct the fields marked below.",
        "find": "Find codes", "codesShown": "codes", "chooseCode": "— choose a behaviour code —",
        "save": "Submit for approval",
        "field_uscc": "Enterprise", "field_region": "Recording region", "field_kind": "Kind",
        "field_behaviourCode": "Behaviour code",
        "field_projectNumber": "Project number", "field_decisionNumber": "Decision number",
        "field_authority": "Authority",
        "field_authorityLevel": "Authority level", "field_decisionDate": "Decision date",
        "field_publicationMonths": "Publication window (months)", "field_summary": "Summary",
        "field_codeSearch": "Search the national behaviour codes", "field_reason": "Reason",
        "field_on": "Publication day",
        "field_until": "Window ends on", "field_reader": "Reader", "field_file": "Import file",
        "field_password": "New password",
        "field_from": "From", "field_through": "Through", "field_account": "Account", "field_action": "Action",
        "field_subject": "Subject", "field_role": "Role", "field_regions": "Regions", "field_name": "Account name",
        "field_profile": "Card profile",
        "hint.uscc":
            "USCC, organisation code or registration number; enterprises registered outside the three provinces are accepted (once in the database).",
        "hint.region": "Your office's region code, inside the account's regions.",
        "hint.kind": "Good, bad or blacklist.",
        "hint.behaviourCode":
            "Bad and blacklist records need a national behaviour code (or a provincial one); good records none.",
        "hint.projectNumber": "Optional; a project already in the database.", "hint.decisionNumber": "1–64 characters.",
        "hint.authority": "1–64 characters.", "hint.authorityLevel": "The level of the deciding authority.",
        "hint.decisionDate": "YYYY-MM-DD, from 2005-01-01 to today.",
        "hint.publicationMonths": "Bad and blacklist: 6–36 months; good: 36 months.",
        "hint.summary": "1–200 characters, no control or bidirectional override characters.",
        "hint.reason": "Required, 1–500 characters; shown to those concerned.",
        "mineTitle": "Records I made", "mineLead": "Your latest records and their state; a record sent back shows why.",
        "queueTitle": "Approval queue", "waiting": "Waiting for approval (oldest first)",
        "approvedWaiting": "Approved, waiting for publication",
        "pendingShortenings": "Shortening requests to decide", "nothingWaiting": "None.",
        "previousPage": "Previous page",
        "nextPage": "Next page (newer records)", "record": "Credit record",
        "recordedBy": "Recorded by", "recordedAt": "Recorded at", "status": "State", "kind": "Kind",
        "behaviour": "Behaviour",
        "decision": "Decision", "window": "Publication window", "version": "Version",
        "timeline": "Timeline (every version: who, when, why)", "otherRecords": "The enterprise's other records",
        "enterprise": "Enterprise", "approve": "Approve", "reject": "Send back", "publish": "Publish",
        "withdraw": "Withdraw",
        "amend": "Amend", "requestShortening": "Request a shorter window",
        "rejectedBecause": "This record was sent back. Reason:",
        "makerChecker":
            "You recorded or amended this record, so under maker–checker you may not approve or publish it: another approver must.",
        "publishWindow": "Published today, the window is", "decideShortening": "Decide", "refuse": "Refuse",
        "agree": "Agree",
        "shorteningRequests": "Shortening requests", "requestedBy": "Requested by", "decidedBy": "Decided by",
        "amendTitle": "Amend credit record", "nothingChanged": "Nothing was changed.",
        "amendLead": "Change only what must change; the previous version stays in the history.", "cancel": "Cancel",
        "issueTitle": "Issue a card",
        "issueLead":
            "Choose the enterprise and card profile, see what the card will hold, then pick a reader attached to the service host.",
        "plan": "The card will hold", "qualifications": "Qualifications", "practitioners": "Practitioners",
        "projects": "Projects",
        "creditRecords": "Credit records", "unfavourable": "of which bad or blacklist", "leftOut": "left out (summary)",
        "bytes": "bytes", "slot": "Slot size",
        "isSummary":
            "This card is a summary: some practitioners, projects or good records are left out, and their counts are written.",
        "readers": "Readers", "noReaders": "No usable reader on the service host.", "issueButton": "Issue",
        "choose": "Show",
        "issuedTitle": "Card issued", "issueFailedTitle": "Issuance failed", "documentNumber": "Document number",
        "cardSerial": "Card serial", "databaseRevision": "Database revision", "viewRevision": "View revision",
        "personalised": "The card was personalised in this issuance", "superseded": "Superseded documents",
        "whatToDo": "What to do", "journalAttention": "The card's open or attention entries in the issuance journal",
        "tryAgain": "Issue again", "noIssuer": "This service has no office key configured.",
        "unknownReader": "not one of this service's readers", "sameEnterprise": "(this enterprise's card)",
        "otherEnterprise": "(another enterprise's card)",
        "card": "Card", "cardHistory": "Card history", "journal": "Issuance journal", "checks": "Proofs of check",
        "noChecks": "No proofs of check.", "revokeCard": "Revoke the card", "revokeDocument": "Revoke the document",
        "state": "State", "document": "Document", "profile": "Profile",
        "dataTitle": "Data exchange",
        "importLead":
            "Upload a JSON Lines import file. A file is imported whole or not at all; errors are listed line by line.",
        "uploadButton": "Upload and import", "maxSize": "at most",
        "packagesLead": "Download your region's signed data package (for offline verification).",
        "download": "Download", "noPackages": "This service has no package signing key configured.",
        "importTitle": "Import", "importRunning": "Importing… this page refreshes every 2 seconds.",
        "importApplying": "The file has been read; applying it to the database.", "importDone": "Import finished",
        "importFailed": "Import refused; the database is unchanged", "rowsRead": "Rows read", "line": "Line",
        "inserted": "Inserted", "updated": "Updated", "unchanged": "Unchanged", "rows": "Rows", "entity": "Entity",
        "progress": "Progress",
        "checksTitle": "Proofs of check", "checkedAt": "Checked at", "receivedAt": "Received at", "verdict": "Verdict",
        "inspector": "Inspector",
        "auditTitle": "Audit log", "filter": "Filter", "verifyChain": "Verify the hash chain",
        "chainIntact": "The hash chain is intact",
        "chainBroken": "The hash chain breaks at entry", "entries": "entries", "head": "Head", "older": "Older entries",
        "at": "At", "subject": "Subject", "detail": "Detail", "regionCode": "Region",
        "accountsTitle": "Accounts", "addAccount": "Add an account", "role": "Role", "regions": "Regions",
        "disabled": "disabled",
        "enabled": "enabled", "disable": "Disable", "enable": "Enable", "change": "Change",
        "resetPassword": "Reset password",
        "add": "Add", "you": "(you)",
        "done.recorded": "Submitted; it waits for approval.", "done.approved": "Approved.",
        "done.rejected": "Sent back; the recorder sees the reason.", "done.published": "Published.",
        "done.withdrawn": "Withdrawn.",
        "done.amended": "Amended; the previous version stays in the history.",
        "done.shortening": "Shortening request filed.",
        "done.shortened": "Shortening approved.", "done.shorteningRefused": "Shortening refused.",
        "done.cardRevoked": "Card revoked.",
        "done.documentRevoked": "Document revoked.", "done.accountChanged": "Account changed; its sessions have ended.",
        "done.accountDisabled": "Account disabled.", "done.accountEnabled": "Account enabled.",
        "done.passwordReset": "Password reset.",
        "done.accountAdded": "Account added.",
        "advice.READER_BUSY": "That reader is issuing a card; wait until it finishes.",
        "advice.CARD_NO_CARD": "There is no card in the reader: insert one and try again.",
        "advice.CARD_REMOVED":
            "The card was removed while being written: put the same card back; the service reconciles it with the journal.",
        "advice.CAPACITY_MANDATORY_PART_TOO_LARGE":
            "The qualifications and unfavourable records do not fit: use a larger card profile.",
        "advice.STORE_CONFLICT":
            "The card's or document's state does not allow an issuance (revoked, or an issuance still open): see the journal below.",
        "advice.CARD_STATUS_WORD":
            "The card refused a command: check it is a card of this system, or ask an administrator.",
        "name.role.recorder": "recorder", "name.role.approver": "approver", "name.role.issuer": "issuer",
        "name.role.inspector": "inspector", "name.role.auditor": "auditor", "name.role.admin": "admin",
        "name.kind.good": "good", "name.kind.bad": "bad", "name.kind.blacklist": "blacklist",
        "name.level.ministry": "ministry", "name.level.province": "province", "name.level.city": "city",
        "name.level.county": "county",
        "name.status.recorded": "waiting for approval", "name.status.approved": "approved, not yet published",
        "name.status.published": "published", "name.status.rejected": "sent back", "name.status.withdrawn": "withdrawn",
        "name.step.recorded": "recorded", "name.step.approved": "approved", "name.step.published": "published",
        "name.step.rejected": "sent back", "name.step.withdrawn": "withdrawn", "name.step.amended": "amended",
        "name.step.shortened": "window shortened", "name.step.imported": "imported",
        "name.shortening.pending": "pending", "name.shortening.approved": "agreed",
        "name.shortening.rejected": "refused",
        "name.reader.empty": "no card", "name.reader.blank": "blank card",
        "name.reader.handbook": "card with a handbook",
        "name.reader.unreadable": "unreadable",
        "name.card.blank": "blank", "name.card.personalised": "personalised", "name.card.issued": "issued",
        "name.card.revoked": "revoked",
        "name.document.current": "current", "name.document.superseded": "superseded",
        "name.document.revoked": "revoked",
        "name.journal.open": "open", "name.journal.committed": "committed", "name.journal.abandoned": "abandoned",
        "name.journal.attention": "needs attention",
        "name.verdict.current": "current", "name.verdict.outdated": "outdated", "name.verdict.revoked": "revoked",
        "name.verdict.invalid": "invalid", "name.verdict.unknown": "unknown", "name.verdict.expired": "expired",
    ]
}

/// The templates, embedded in the program (resource files under `Templates/`).
enum ConsoleTemplates {
    static let names: [(String, [UInt8])] = [
        ("console-top", PackageResources.console_top_mustache),
        ("console-bottom", PackageResources.console_bottom_mustache),
        ("console-login", PackageResources.console_login_mustache),
        ("console-message", PackageResources.console_message_mustache),
        ("console-home", PackageResources.console_home_mustache),
        ("console-enterprises", PackageResources.console_enterprises_mustache),
        ("console-enterprise", PackageResources.console_enterprise_mustache),
        ("console-record-rows", PackageResources.console_record_rows_mustache),
        ("console-record-form", PackageResources.console_record_form_mustache),
        ("console-record", PackageResources.console_record_mustache),
        ("console-records", PackageResources.console_records_mustache),
        ("console-amend", PackageResources.console_amend_mustache),
        ("console-queue", PackageResources.console_queue_mustache),
        ("console-issue", PackageResources.console_issue_mustache),
        ("console-issued", PackageResources.console_issued_mustache),
        ("console-card", PackageResources.console_card_mustache),
        ("console-data", PackageResources.console_data_mustache),
        ("console-import", PackageResources.console_import_mustache),
        ("console-checks", PackageResources.console_checks_mustache),
        ("console-audit", PackageResources.console_audit_mustache),
        ("console-accounts", PackageResources.console_accounts_mustache),
    ]

    static let css = PackageResources.console_css

    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, bytes) in names {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        return library
    }
}
