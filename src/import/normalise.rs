//! Stage 2: normalise — one clean text from whatever the decoder produced: full-width digits,
//! traditional characters, pinyin annotations, PDF spacing, page numbers and wrapped lines.
//! Pure; knows nothing of letters, only of text.

use super::*;

// ───────────────────────────── normalisation ─────────────────────────────

pub(super) fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
        || c == '〇'
}

pub(super) fn is_cjk_punct(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65)
        || matches!(c, '“' | '”' | '‘' | '’' | '—' | '…' | '·' | '─')
}

/// Characters that are "Chinese context" for spacing and punctuation-width decisions.
pub(super) fn is_wide(c: char) -> bool {
    is_cjk(c) || is_cjk_punct(c)
}

/// Display width, used to tell a full (wrapped) PDF line from a short one.
pub(super) fn width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// Full-width digits and letters to ASCII; ideographic space to space. Full-width punctuation
/// stays: it is what the rest of the importer matches on.
pub(super) fn fold_width(c: char) -> char {
    match c as u32 {
        0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A | 0xFF0E | 0xFF05 | 0xFF0D => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        0x3000 | 0x00A0 => ' ',
        _ => c,
    }
}

pub(super) fn t2s_table() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let chars: Vec<char> = TRAD_SIMP.chars().collect();
        chars
            .chunks(2)
            .filter_map(|p| Some((p[0], *p.get(1)?)))
            .collect()
    })
}

/// Traditional → simplified for characters whose mapping is unambiguous in government text.
/// (覆 is left alone: it is also a simplified character, as in 覆盖; 答覆 is fixed as a word.)
pub(super) fn t2s(c: char) -> char {
    if (c as u32) < 0x4E00 {
        return c;
    }
    t2s_table().get(&c).copied().unwrap_or(c)
}

pub(super) fn is_pinyin_char(c: char) -> bool {
    c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü".contains(c)
}

/// Mirrors of letters sometimes annotate characters with pinyin, "業(yè)"; drop it.
pub(super) fn strip_pinyin(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '(' && out.last().is_some_and(|p: &char| is_cjk(*p)) {
            let close = (i + 2..chars.len().min(i + 9)).find(|&j| chars[j] == ')');
            if let Some(j) = close
                && chars[i + 1..j].iter().all(|c| is_pinyin_char(*c))
                && chars[i + 1..j].iter().any(|c| !c.is_ascii())
            {
                i = j + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Half-width punctuation used in Chinese context becomes full-width, so later rules
/// only match one form.
pub(super) fn widen_punctuation(chars: &[char]) -> Vec<char> {
    let neighbour = |i: usize, step: isize| -> Option<char> {
        let mut j = i as isize + step;
        while j >= 0 && (j as usize) < chars.len() {
            let c = chars[j as usize];
            if c != ' ' && c != '\t' {
                return Some(c);
            }
            j += step;
        }
        None
    };
    let mut open_converted: Vec<bool> = Vec::new();
    let mut out = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        let prev = neighbour(i, -1);
        let next = neighbour(i, 1);
        let wide_near = prev.is_some_and(is_wide) || next.is_some_and(is_wide);
        let digits_around =
            prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit());
        let mapped = match c {
            ',' if wide_near && !digits_around => '，',
            ':' if wide_near && !digits_around => '：',
            ';' if wide_near => '；',
            '?' if wide_near => '？',
            '!' if wide_near => '！',
            '(' => {
                open_converted.push(wide_near);
                if wide_near { '（' } else { '(' }
            }
            ')' => {
                let opened_wide = open_converted.pop().unwrap_or(false);
                if opened_wide || prev.is_some_and(is_wide) {
                    '）'
                } else {
                    ')'
                }
            }
            _ => c,
        };
        out.push(mapped);
    }
    out
}

/// Removes spaces next to Chinese text (PDF extraction puts them mid-word); keeps one space
/// between two ASCII words.
pub(super) fn squeeze_spaces(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len() * 3);
    let mut pending_space = false;
    for &c in chars {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            let prev = out.chars().last();
            if prev.is_some_and(|p| !is_wide(p)) && !is_wide(c) {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// One physical line to clean text (no leading/trailing space).
pub(super) fn normalize_line(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().map(fold_width).map(t2s).collect();
    let chars = widen_punctuation(&strip_pinyin(&chars));
    let line = squeeze_spaces(&chars);
    // The few words where a character is only traditional in context.
    line.replace("答覆", "答复")
        .replace("回覆", "回复")
        .replace("批覆", "批复")
}

/// "3", "- 3 -", "—3—", "第 3 页", "3/12": page furniture from a PDF.
pub(super) fn is_page_number(line: &str) -> bool {
    let core: String = line
        .chars()
        .filter(|c| !"-—–－_·第页共/ ".contains(*c))
        .collect();
    !core.is_empty()
        && core.chars().all(|c| c.is_ascii_digit())
        && line.chars().count() <= 12
        && (line.chars().all(|c| c.is_ascii_digit()) && line.len() <= 3
            || line.chars().any(|c| "-—–－页/".contains(c)))
}

pub(super) const TERMINAL: &str = "。！？；：";

pub(super) fn ends_sentence(line: &str) -> bool {
    let trimmed = line.trim_end_matches(['”', '’', '）', '"', ')']);
    trimmed.chars().last().is_some_and(|c| TERMINAL.contains(c))
}

/// Whether a physical line continues the previous one (a PDF wrap) rather than starting anew.
pub(super) fn continues(prev: &str, next: &str, wrap: usize) -> bool {
    if ordinal(next).is_some_and(|o| o.level <= 5) || parse_date_line(next).is_some() {
        return false;
    }
    // "…彻底解决该村的问题" (a page that lost its last 。) then "感谢您对…的关心和支持": the
    // closing thanks start a paragraph of their own.
    if ["感谢", "衷心感谢", "再次感谢", "非常感谢", "此复", "特此"]
        .iter()
        .any(|w| next.starts_with(w))
    {
        return false;
    }
    if ends_sentence(prev) {
        return false;
    }
    if prev.ends_with(['，', '、']) {
        return true;
    }
    // A line as wide as the page's usual line was wrapped by the PDF, not ended by the writer.
    wrap > 0 && width(prev) * 10 >= wrap * 8
}

/// "…多提宝贵意见和建议。 海盐县某某镇人民政府  2025年7月25日": a page flattened into one
/// line, its paragraphs kept apart only by spaces, ends with the signature and the date.
/// Returns the body, the signature and the date as lines of their own.
pub(super) fn signed_tail(raw: &str) -> Option<[&str; 3]> {
    let raw = raw.trim_end();
    fn last_gap(s: &str) -> Option<(&str, &str)> {
        let end = s.trim_end().len();
        let start = s[..end].rfind(char::is_whitespace)?;
        let gap_start = s[..start].trim_end().len();
        Some((&s[..gap_start], &s[start..end]))
    }
    let (before, date) = last_gap(raw)?;
    let date = date.trim();
    parse_date_line(&normalize_line(date))?;
    let (body, org) = last_gap(before)?;
    let org = org.trim();
    if !super::layout::is_org_line(&normalize_line(org)) {
        return None;
    }
    let body = body.trim_end();
    body.ends_with(['。', '！', '!', '.'])
        .then_some([body, org, date])
}

/// The letter as paragraphs: normalised lines, comments and page numbers dropped, wraps joined.
pub(super) fn paragraphs(text: &str) -> Vec<String> {
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| match signed_tail(l) {
            Some(parts) => parts.to_vec(),
            None => vec![l],
        })
        .map(normalize_line)
        .filter(|l| !l.is_empty() && !is_page_number(l))
        .collect();
    let mut widths: Vec<usize> = lines.iter().map(|l| width(l)).collect();
    widths.sort_unstable();
    let wrap = widths.get(widths.len() * 3 / 4).copied().unwrap_or(0);
    let mut out: Vec<String> = Vec::new();
    let mut last_line = String::new();
    for line in lines {
        match out.last_mut() {
            Some(cur) if continues(&last_line, &line, wrap) => {
                let glue = cur
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                    && line.starts_with(|c: char| c.is_ascii_alphanumeric());
                if glue {
                    cur.push(' ');
                }
                cur.push_str(&line);
            }
            _ => out.push(line.clone()),
        }
        last_line = line;
    }
    out
}

// ───────────────────────────── tables ─────────────────────────────

/// Traditional→simplified pairs (traditional first) for characters common in government letters.
pub(super) const TRAD_SIMP: &str = "\
關关於于議议將将發发衛卫廳厅會会屆届號号復复複复劉刘興兴對对產产業业寧宁爭争國国區区醫医療疗戶户\
預预資资項项實实溝沟匯汇報报補补華华濟济學学屬属選选組组織织專专調调現现場场導导創创給给門门藥药\
單单傳传統统體体係系簽签據据務务與与歡欢這这個个們们為为來来時时間间動动勢势後后經经開开續续進进\
過过還还邊边運运達达遠远適适連连遞递遲迟總总計计劃划畫画書书寫写記记設设許许評评認认訂订討讨論论\
謀谋證证識识譽誉護护讓让變变談谈請请諮咨詢询説说說说語语誤误課课諾诺謝谢讀读讚赞貫贯負负責责財财\
貨货販贩貧贫購购費费貿贸賬账質质贊赞賣卖買买貸贷賦赋賽赛趨趋車车軍军輔辅輪轮較较載载轉转輸输辦办\
農农釋释鐵铁銀银鋼钢錄录鎮镇鄉乡長长閉闭問问閒闲閱阅闡阐陸陆陳陈陽阳際际隊队階阶隨随險险隱隐難难\
雙双雜杂雞鸡電电靈灵須须頁页順顺領领頻频題题額额顏颜風风飛飞飲饮館馆養养饋馈馬马驗验驅驱鬥斗魚鱼\
鳥鸟麥麦黃黄齊齐齡龄龍龙園园圓圆圍围圖图團团壓压壇坛墾垦壞坏壯壮聲声處处備备夢梦奮奋婦妇媽妈孫孙\
審审寬宽尋寻層层歲岁島岛峽峡崗岗幣币師师帶带幫帮廣广廠厂廢废應应張张強强彈弹彙汇徵征從从徹彻愛爱\
態态慣惯慶庆憂忧憑凭懷怀戰战戲戏擁拥擇择擔担擴扩擺摆攜携擊击撥拨換换揮挥損损搶抢採采掃扫掛挂擬拟\
攝摄敗败敘叙數数斷断東东條条極极構构標标樣样樹树橋桥機机檢检權权歐欧歸归殘残殺杀氣气決决沒没況况\
溫温測测準准滿满漁渔滬沪潔洁濱滨灣湾災灾烏乌無无煙烟熱热燈灯營营爾尔牆墙狀状獨独獲获獎奖環环畢毕\
當当疊叠盡尽監监盤盘礎础確确礦矿種种稅税穩稳穀谷窮穷競竞筆笔節节範范築筑簡简糧粮紀纪約约紅红純纯\
紙纸級级紛纷細细終终結结絡络絕绝綠绿維维綜综網网緊紧線线編编練练縣县縮缩績绩繼继罰罚聯联聰聪聽听\
職职脫脱腦脑臺台舉举舊旧艱艰藝艺蘇苏蘭兰虧亏衆众裝装製制規规視视覺觉覽览觀观親亲訊讯訓训訪访試试\
詳详該该誌志誠诚講讲豐丰貝贝貢贡賓宾賠赔賞赏賢贤贏赢趕赶躍跃軌轨軟软輕轻輛辆輯辑遊游違违遺遗鄭郑\
鄰邻鍵键鎖锁鏈链閃闪閣阁陣阵陰阴雖虽雲云靜静響响頂顶頒颁頭头顧顾類类顯显飯饭飾饰馳驰髮发鬧闹點点\
黨党龐庞壽寿歷历曆历沖冲濕湿緣缘綫线勵励勞劳勝胜協协參参員员啟启喪丧嚴严執执夥伙夠够奪夺奧奥奬奖\
寶宝岡冈嶺岭幹干彌弥徑径價价億亿僅仅優优儲储兒儿內内兩两冊册凈净凍冻則则剛刚劇剧劑剂勁劲勸劝勻匀\
卻却厲厉叢丛吳吴呂吕啓启嘗尝堅坚塊块塗涂墊垫壩坝壟垄壺壶夾夹妝妆婁娄孿孪寢寝尷尴屢屡嶄崭巖岩帥帅\
幾几庫库廁厕廂厢廈厦廚厨廟庙彎弯彥彦徠徕憲宪懇恳懲惩懸悬戀恋掙挣揚扬擾扰攤摊敵敌斂敛斬斩暢畅暫暂\
棄弃棟栋楊杨槍枪樂乐樓楼樞枢橫横檔档櫃柜殲歼毆殴漢汉湯汤滅灭滯滞漲涨潛潜澤泽濃浓濤涛濫滥瀏浏灘滩\
爐炉爺爷牽牵犧牺狹狭猶犹獻献瑣琐璽玺畝亩異异疇畴癥症皺皱盞盏盧卢眾众睜睁矯矫碼码磚砖礙碍禍祸禮礼\
禪禅離离稱称窩窝竅窍竊窃筍笋箏筝籃篮籌筹籠笼糾纠紡纺紮扎絲丝綁绑綱纲緒绪緩缓締缔縱纵繞绕繡绣纖纤\
罷罢羅罗義义習习聖圣聞闻肅肃脅胁脈脉腳脚膽胆臉脸臨临艙舱艦舰莊庄萬万葉叶蔣蒋蓋盖蘆芦虛虚蝦虾蠶蚕\
術术衝冲裏里裡里褲裤襲袭覈核見见觸触譯译貓猫賀贺貴贵賺赚贈赠趙赵跡迹蹤踪輝辉轄辖辭辞辯辩遷迁邁迈\
郵邮鄧邓醜丑醬酱釀酿針针鈔钞鋪铺錢钱錯错鍋锅鍛锻鏡镜鐘钟鑒鉴鑑鉴閘闸闊阔闖闯隸隶霧雾靂雳韓韩頓顿\
頗颇頰颊頸颈顆颗願愿顛颠颱台飄飘飢饥飽饱餘余饑饥馮冯駐驻騰腾驚惊驟骤骯肮髒脏鬆松魯鲁鮮鲜鳳凤鴻鸿\
鶴鹤鹽盐麗丽黴霉齒齿龜龟亞亚侖仑倉仓倫伦偉伟側侧偵侦傑杰傘伞傷伤僑侨儀仪儘尽償偿兌兑佈布併并俠侠\
倆俩債债傾倾僱雇儉俭兇凶凱凯別别剎刹劍剑勳勋匱匮卹恤厭厌嗎吗嘆叹噴喷嚇吓囑嘱堊垩塵尘墜坠墳坟壘垒\
奐奂姦奸婭娅孃娘寵宠屍尸峯峰崑昆嵐岚巔巅巒峦幟帜廬庐恆恒悅悦惡恶惱恼惻恻愜惬慘惨慚惭慮虑憐怜憶忆\
懶懒懼惧擄掳掄抡揀拣搖摇搗捣摟搂摯挚撈捞撐撑撓挠撲扑撻挞擋挡擠挤擱搁擲掷攏拢攔拦攙搀攬揽攪搅斃毙\
昇升晉晋晝昼暈晕曉晓曠旷朧胧桿杆棲栖棧栈楓枫榮荣槓杠槳桨樁桩樸朴檯台檸柠櫥橱欄栏欽钦歎叹殼壳毀毁\
氈毡氫氢氾泛洩泄淚泪淨净淪沦淵渊淺浅渙涣減减渦涡湊凑湧涌溼湿滄沧滲渗滷卤滾滚漚沤漣涟漬渍漿浆潑泼\
潤润潰溃澀涩澆浇澇涝濁浊濾滤瀉泻瀝沥瀟潇瀾澜灑洒爛烂爲为牘牍犢犊獄狱獅狮獵猎獸兽瓊琼甌瓯甦苏痠酸\
瘋疯瘡疮癆痨癒愈癡痴癢痒癬癣癮瘾皚皑盜盗睏困瞞瞒矚瞩禦御禱祷禿秃稈秆積积穎颖窪洼竄窜篤笃篩筛簍篓\
簾帘籤签籬篱粵粤糞粪糰团紋纹納纳紐纽紓纾紗纱紳绅絆绊絃弦絹绢綏绥綬绶綸纶綺绮綻绽綽绰緋绯緝缉緞缎\
緬缅緯纬縛缚縝缜縫缝縷缕繃绷繆缪繪绘繫系繭茧繳缴繹绎纏缠纜缆罈坛罵骂羈羁翹翘聳耸聶聂脹胀腎肾腸肠\
膚肤膠胶膩腻臟脏艷艳莖茎莢荚萊莱萵莴葦苇葷荤蒐搜蒞莅蒼苍蓮莲蔔卜蔥葱蕭萧薈荟薊蓟薑姜薦荐薩萨藍蓝\
蘊蕴蘋苹蘚藓虜虏蟲虫蠅蝇蠟蜡衊蔑袞衮裊袅襖袄襪袜覓觅覲觐訃讣訌讧訐讦託托訕讪訖讫訝讶訟讼訣诀訥讷\
訴诉註注証证詐诈詔诏詛诅詞词詠咏詣诣詩诗詫诧詬诟詭诡詮诠話话誅诛誇夸誕诞誘诱誣诬誦诵誨诲誰谁誼谊\
諂谄諒谅諄谆諉诿諍诤諗谂諛谀諜谍諦谛諧谐諫谏諭谕諱讳諷讽諸诸諺谚謁谒謂谓謄誊謊谎謎谜謗谤謙谦謠谣\
謫谪謬谬謹谨譁哗譎谲譏讥譙谯譚谭譜谱譴谴讒谗豈岂豎竖豬猪貞贞貪贪貶贬貼贴貽贻賃赁賄贿賈贾賊贼賑赈\
賒赊賜赐賤贱賭赌賴赖賻赙贅赘贍赡贓赃贖赎贛赣踐践蹌跄躊踌躋跻躪躏軀躯軋轧軒轩軔轫軸轴軼轶輒辄輓挽\
輜辎輟辍輦辇輩辈輻辐輾辗輿舆轂毂轅辕轆辘轍辙轎轿轟轰辮辫迴回週周遙遥遜逊遼辽邏逻鄒邹醞酝釐厘鈍钝\
鈞钧鈣钙鈴铃鉀钾鉛铅鉤钩鉸铰銅铜銘铭銜衔銳锐銷销鋁铝鋒锋鋤锄錐锥錘锤錦锦錫锡鍊炼鍍镀鎊镑鎔镕鏟铲\
鏽锈鐮镰鐲镯鑄铸鑰钥鑲镶鑼锣鑽钻鑿凿閂闩閏闰閑闲閡阂閥阀閨闺閩闽闆板闈闱闌阑闔阖闕阙闢辟陝陕隕陨\
隴陇雋隽雛雏霽霁靚靓靦腼鞏巩韃鞑韌韧韻韵頃顷頌颂頑顽頜颌頡颉頤颐頹颓顎颚顫颤顱颅颯飒颳刮颶飓颺飏\
颼飕飆飙飩饨飪饪飴饴飼饲餃饺餅饼餉饷餌饵餒馁餓饿餚肴餵喂饅馒饌馔饒饶饗飨馭驭馱驮馴驯駁驳駒驹駕驾\
駛驶駝驼駟驷駭骇駱骆駿骏騎骑騙骗騫骞騷骚驀蓦驕骄驛驿驢驴驥骥髏髅鬱郁魎魉魘魇鮑鲍鯉鲤鯨鲸鰭鳍鱷鳄\
鳴鸣鴉鸦鴨鸭鴿鸽鵝鹅鵬鹏鶯莺鷗鸥鷹鹰鸚鹦鹵卤鹹咸鹼碱麩麸麼么黷黩齋斋齣出龔龚龕龛貳贰産产滙汇纍累\
閲阅紹绍";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_folded_to_one_form() {
        assert_eq!(
            normalize_line(" 省發改委、省衛健委將 積極溝通,保障項目 順利實施. "),
            "省发改委、省卫健委将积极沟通，保障项目顺利实施."
        );
        assert_eq!(normalize_line("２０２５年　５月"), "2025年5月");
        assert_eq!(normalize_line("產業(yè)發展"), "产业发展");
        assert_eq!(normalize_line("现答覆如下:"), "现答复如下：");
        assert_eq!(normalize_line("AI 大模型"), "AI大模型");
    }

    #[test]
    fn page_furniture_is_recognised() {
        for page in ["3", "- 3 -", "—3—", "第 3 页", "3/12"] {
            assert!(is_page_number(page), "{page}");
        }
        for text in ["2025", "3个项目", "一是"] {
            assert!(!is_page_number(text), "{text}");
        }
    }

    #[test]
    fn wrapped_lines_become_paragraphs() {
        let text = "一是加快充电基础设施建设，推动新能源汽车下乡，进一步扩大省内\n\n- 2 -\n\n市场规模。\n二是持续开展推广应用。\n";
        assert_eq!(
            paragraphs(text),
            [
                "一是加快充电基础设施建设，推动新能源汽车下乡，进一步扩大省内市场规模。",
                "二是持续开展推广应用。"
            ]
        );
        // Closing thanks after a line that lost its last 。 start a paragraph of their own.
        assert_eq!(
            paragraphs(
                "计划逐年逐批分步实施，彻底解决该村的问题\n感谢您对我们工作的关心和支持。\n"
            )
            .len(),
            2
        );
    }

    #[test]
    fn a_flattened_pages_signature_and_date_are_lines_of_their_own() {
        let line = "感谢对政府工作的支持和理解，请多提宝贵意见和建议。 某某县某某镇人民政府  2025年7月25日";
        assert_eq!(
            signed_tail(line),
            Some([
                "感谢对政府工作的支持和理解，请多提宝贵意见和建议。",
                "某某县某某镇人民政府",
                "2025年7月25日"
            ])
        );
        let ps = paragraphs(&format!("张三代表：\n您的建议收悉，现答复如下：\n{line}\n"));
        assert_eq!(ps.last().map(String::as_str), Some("2025年7月25日"));
        assert_eq!(ps[ps.len() - 2], "某某县某某镇人民政府");
        // A sentence that ends in a date, or words that are no unit: left alone.
        assert_eq!(signed_tail("项目将于 2025年7月25日"), None);
        assert_eq!(signed_tail("工作已完成。 详见附件  2025年7月25日"), None);
    }
}
