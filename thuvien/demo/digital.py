"""The demo's digitised collection: four short Ninh Bình documents, rendered from text, ingested, OCR'd, published.

The pages are rendered from the Vietnamese texts below with a free font (render.render_page), so what
OCR reads back is real Vietnamese and can be compared with what was written. One document is open and
linked to a catalogue record of the local-history collection, one restricted (standalone, rare books),
one secret (standalone), and a newsletter is open. The texts were written for this demo.

The step is idempotent: a document whose object already exists at the provincial library is left alone.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pymarc
from django.db import transaction

from thuvien.accounts.models import User
from thuvien.catalog.actions import save_record
from thuvien.catalog.models import Collection, Record
from thuvien.digital import actions, copies
from thuvien.digital.models import (
    AccessLevel,
    CopyFeeRule,
    CopyRequest,
    CopyStatus,
    DigitalObject,
    Rights,
    Stage,
)
from thuvien.network.models import Library
from thuvien.patrons.models import Reader

HOA_LU = [
    ("Lời giới thiệu", """Hoa Lư là vùng đất gắn với buổi đầu của nhà nước phong kiến độc lập ở nước ta. Năm 968, sau khi dẹp yên loạn mười hai sứ quân, Đinh Bộ Lĩnh lên ngôi hoàng đế, đặt quốc hiệu là Đại Cồ Việt và chọn Hoa Lư làm kinh đô. Trong hơn bốn mươi năm, nơi đây là trung tâm chính trị, quân sự và văn hóa của cả nước, trải qua ba triều đại Đinh, Tiền Lê và những năm đầu nhà Lý.

Cuốn địa chí nhỏ này được biên soạn nhằm giúp bạn đọc, nhất là các em học sinh và những người làm công tác hướng dẫn du lịch, có thêm hiểu biết về lịch sử cố đô và các di tích còn lại đến ngày nay. Tư liệu được tập hợp từ sử cũ, văn bia, thần tích ở các đình đền trong vùng và những lần khảo sát thực địa của cán bộ thư viện cùng các nhà nghiên cứu địa phương.

Sách gồm bốn phần: lời giới thiệu; cố đô Hoa Lư trong lịch sử; đền thờ vua Đinh và vua Lê; các di tích và danh thắng quanh cố đô. Vì khuôn khổ có hạn, nhiều truyền thuyết và lễ tục dân gian chưa được ghi chép đầy đủ. Ban biên soạn mong nhận được ý kiến đóng góp của bạn đọc gần xa để lần tái bản sau được hoàn chỉnh hơn."""),
    ("Cố đô Hoa Lư trong lịch sử", """Kinh đô Hoa Lư nằm giữa một vùng núi đá vôi hiểm trở, có sông Hoàng Long bao bọc phía bắc. Người xưa đã khéo lợi dụng những dãy núi tự nhiên làm tường thành, chỉ đắp thêm các đoạn thành đất nối liền những chỗ trống giữa các núi. Nhờ thế, kinh thành vừa kín đáo vừa vững chắc, thuận lợi cho việc phòng thủ trước các cuộc tấn công từ phương bắc.

Khu kinh đô gồm hai phần chính là thành Ngoại và thành Nội. Thành Ngoại rộng hơn, là nơi đặt cung điện, triều đình và các công trình quan trọng. Thành Nội nhỏ hơn, được cho là nơi ở của hoàng gia và kho tàng. Các cuộc khai quật khảo cổ học đã tìm thấy dấu vết nền cung điện, gạch xây có in chữ, ngói lợp trang trí hoa sen và nhiều đồ gốm quý.

Năm 980, Lê Hoàn lên ngôi, lập ra nhà Tiền Lê, tiếp tục đóng đô ở Hoa Lư và lãnh đạo nhân dân đánh thắng quân Tống. Đến năm 1010, vua Lý Thái Tổ ban Chiếu dời đô, chuyển kinh đô ra thành Đại La và đổi tên là Thăng Long. Từ đó Hoa Lư trở thành cố đô, nhưng vẫn được các triều đại sau tôn tạo và thờ phụng."""),
    ("Đền vua Đinh và đền vua Lê", """Trên nền cung điện xưa của kinh đô, nhân dân đã dựng đền thờ để tưởng nhớ công lao của hai vị vua. Đền thờ vua Đinh Tiên Hoàng được xây dựng theo kiểu chữ quốc, gồm nhiều lớp kiến trúc: ngọ môn, nghi môn, sân rồng, bái đường và chính cung. Giữa sân có sập đá chạm rồng, tương truyền là nơi đặt ngai vàng của nhà vua. Trong đền còn lưu giữ nhiều câu đối, hoành phi và các mảng chạm khắc gỗ tinh xảo.

Cách đền vua Đinh chừng năm trăm mét là đền thờ vua Lê Đại Hành. Đền có quy mô nhỏ hơn nhưng bố cục tương tự, với các công trình được sắp xếp hài hòa giữa cảnh núi non. Trong chính cung có tượng vua Lê, bên cạnh là tượng thái hậu Dương Vân Nga và con trai là Lê Long Đĩnh.

Hằng năm, vào những ngày đầu tháng ba âm lịch, lễ hội Trường Yên được tổ chức để tưởng nhớ vua Đinh và vua Lê. Lễ hội có lễ rước nước, tế lễ, diễn lại tích cờ lau tập trận và nhiều trò chơi dân gian như đánh cờ người, đấu vật, kéo co, thu hút đông đảo nhân dân và du khách thập phương."""),
    ("Các di tích và danh thắng quanh cố đô", """Quanh khu kinh đô xưa có nhiều di tích và danh thắng nổi tiếng. Trên đỉnh núi Mã Yên là lăng vua Đinh Tiên Hoàng; muốn lên tới nơi phải leo hơn hai trăm bậc đá. Đứng trên đỉnh núi có thể nhìn bao quát cả vùng cố đô với ruộng lúa, làng mạc và dòng sông Hoàng Long uốn lượn.

Chùa Nhất Trụ nằm gần đền vua Lê, nổi bật với cột kinh bằng đá khắc kinh Phật dựng từ thời Tiền Lê. Xa hơn về phía nam là quần thể danh thắng Tràng An với những thung lũng, hang động xuyên thủy nối nhau, nơi du khách đi thuyền qua các hang dài hàng trăm mét. Năm 2014, quần thể danh thắng Tràng An được công nhận là di sản văn hóa và thiên nhiên thế giới.

Ngoài ra còn có Tam Cốc – Bích Động với ba hang nước và cánh đồng lúa dưới chân núi, chùa Bái Đính trên sườn núi phía tây bắc, động Am Tiên và nhiều đình, chùa cổ trong các làng. Việc bảo vệ, tôn tạo các di tích cần đi đôi với gìn giữ cảnh quan và đời sống của cư dân địa phương, để cố đô Hoa Lư mãi là niềm tự hào của người Ninh Bình."""),
]  # fmt: skip

HUONG_UOC = [
    ("Hương ước làng Yên Mô", """Năm Bảo Đại thứ mười, tức năm Ất Hợi (1935), hội đồng kỳ mục và toàn thể dân làng Yên Mô họp tại đình, cùng nhau bàn định lại các lệ làng cho hợp với thời thế. Lệ cũ truyền miệng đã lâu, có điều nay không còn hợp, có điều lại bị người sau làm sai lạc. Vì vậy làng lập bản hương ước này, chép thành ba bản: một bản nộp quan trên, một bản để ở đình, một bản giao lý trưởng giữ.

Điều thứ nhất. Việc chung của làng do hội đồng kỳ mục bàn bạc và quyết định. Hội đồng họp mỗi tháng một lần vào ngày rằm tại đình; khi có việc khẩn thì lý trưởng mời họp bất thường. Ai vắng mặt không có lý do chính đáng thì phải chịu phạt theo lệ.

Điều thứ hai. Lý trưởng và phó lý thay mặt làng thi hành các việc quan trên giao phó và các điều hội đồng đã quyết. Mỗi năm, vào dịp cuối năm, lý trưởng phải trình bày trước dân làng việc thu chi công quỹ, có sổ sách rõ ràng để mọi người cùng xem xét.

Điều thứ ba. Người trong làng phải giữ gìn hòa khí, thương yêu giúp đỡ nhau lúc tối lửa tắt đèn. Kẻ nào gây gổ, đánh nhau, chửi bới ở nơi đình chùa thì bị phạt tiền và phải làm lễ tạ."""),
    ("Việc tế lễ, cưới xin và ma chay", """Điều thứ tư. Hằng năm làng mở hội vào ngày mồng mười tháng giêng để tế thành hoàng. Việc tế lễ phải trang nghiêm, tiết kiệm; không được bắt dân đóng góp quá sức. Lễ vật gồm xôi, gà, rượu, trầu cau và hương hoa, do các giáp thay phiên nhau sửa soạn.

Điều thứ năm. Việc cưới xin nên giản tiện. Nhà trai nộp cheo cho làng một đồng bạc để sung vào quỹ sửa đường và giếng nước. Cấm thách cưới quá nặng khiến hai họ phải vay mượn, nợ nần.

Điều thứ sáu. Khi trong làng có người qua đời, các nhà lân cận phải đến giúp đỡ việc tang. Không được ép tang chủ làm cỗ bàn linh đình. Người nào lợi dụng việc tang để đòi ăn uống, quấy nhiễu thì hội đồng sẽ khiển trách trước đình.

Điều thứ bảy. Đình, chùa, miếu và giếng làng là của chung. Ai làm hư hỏng phải bồi thường; ai chặt cây, lấy đất ở khu đất công mà không được phép thì bị phạt gấp đôi giá trị đã lấy."""),
    ("Việc canh phòng, đê điều và khuyến học", """Điều thứ tám. Làng đặt tuần phiên canh gác ban đêm, mỗi phiên bốn người, thay nhau theo sổ đinh. Trong mùa mưa lũ, mọi trai tráng từ mười tám đến năm mươi tuổi phải sẵn sàng ra hộ đê khi nghe tiếng trống báo động.

Điều thứ chín. Mỗi năm, sau vụ gặt tháng mười, làng cử người đi xem xét bờ vùng, cống nước. Chỗ nào sạt lở thì các giáp cùng góp công đắp lại, không được đùn đẩy cho nhau.

Điều thứ mười. Làng trọng việc học. Con em trong làng đến tuổi phải cho đi học ở trường hương sư. Trò nghèo mà học giỏi được làng trích quỹ giúp giấy bút. Người đỗ đạt được làng mừng và ghi tên vào sổ khuyến học để con cháu noi theo.

Điều thứ mười một. Bản hương ước này được đọc to trước dân làng vào ngày hội đầu năm. Điều nào cần sửa đổi thì phải được hội đồng bàn bạc và quá nửa dân làng đồng ý mới được thay.

Làm tại đình làng Yên Mô, ngày mồng một tháng tư năm Bảo Đại thứ mười. Lý trưởng ký tên, hội đồng kỳ mục cùng điểm chỉ."""),
]  # fmt: skip

GIA_PHA = [
    ("Lời nói đầu", """Cây có cội, nước có nguồn, con người có tổ tông. Bản gia phả này được chép lại vào mùa xuân năm Nhâm Dần (1962) theo bản cũ bằng chữ Hán đã rách nát, để con cháu họ Đinh ở Gia Viễn biết được gốc gác của mình, giữ gìn nền nếp gia phong và nhớ ngày giỗ các bậc tiền nhân.

Theo lời các cụ truyền lại, thủy tổ của dòng họ là cụ Đinh Công Phúc, vốn người vùng ven sông Hoàng Long. Vào khoảng cuối đời Lê, cụ đưa vợ con về khai khẩn vùng đất trũng ven núi, lập nên xóm nhỏ mà sau này trở thành làng. Cụ là người chăm chỉ, hiền hậu, lại biết nghề thuốc nam nên được bà con quanh vùng quý trọng.

Từ đời cụ thủy tổ đến nay đã được chín đời. Con cháu phần đông làm ruộng, có chi làm nghề mộc, có người đi dạy học. Dòng họ có nhà thờ ở đầu làng, trong đó đặt bài vị các đời tiên tổ. Hằng năm, vào ngày rằm tháng chạp, con cháu các chi về nhà thờ họ làm lễ chạp mộ và bàn việc chung của dòng họ."""),
    ("Các đời tiên tổ", """Đời thứ nhất: cụ Đinh Công Phúc, thủy tổ. Cụ bà họ Phạm, hiệu Từ Thuận. Giỗ cụ ông ngày mồng chín tháng hai, giỗ cụ bà ngày hai mươi tháng mười âm lịch. Mộ hai cụ táng ở gò Đồng Cao, phía tây làng.

Đời thứ hai: cụ Đinh Công Lộc, con trưởng của thủy tổ, kế nghiệp làm thuốc. Cụ sinh được ba con trai, từ đó chia thành ba chi: chi trưởng ở lại quê gốc, chi thứ hai sang làng bên làm nghề mộc, chi thứ ba về phía bến đò lập nghiệp.

Đời thứ ba và thứ tư: trong thời loạn lạc, nhiều người trong họ phải đi phu, đi lính; có người đi biệt không về, con cháu chỉ biết lấy ngày ra đi làm ngày giỗ. Gia phả cũ ghi rằng đời thứ tư có cụ Đinh Văn Khiêm đỗ tú tài, về làng mở lớp dạy chữ cho trẻ nhỏ, được dân làng tôn là thầy đồ.

Đời thứ năm đến đời thứ bảy: con cháu đông đúc dần, ruộng đất được chia cho các chi. Các chi đều giữ lệ đóng góp vào quỹ họ để sửa nhà thờ, giúp đỡ người nghèo và khuyến khích con em chăm học."""),
    ("Lời dặn con cháu", """Các đời về sau được ghi trong sổ riêng của từng chi, do trưởng chi giữ và bổ sung mỗi khi trong chi có người sinh ra hay mất đi. Sổ các chi phải mang về nhà thờ họ để đối chiếu vào dịp chạp mộ hằng năm, tránh sai sót về tên tuổi và ngày giỗ.

Tổ tiên để lại mấy lời dặn, con cháu phải ghi nhớ. Một là anh em trong họ phải thương yêu, đùm bọc nhau, không vì chút lợi nhỏ mà sinh điều bất hòa. Hai là phải chăm lo việc học, vì có học mới biết lẽ phải trái và làm được việc có ích cho làng nước. Ba là giữ gìn ruộng vườn tổ tiên để lại, không được bán cho người ngoài khi chưa hỏi ý kiến trong họ. Bốn là sống hiền lành, ngay thẳng, không làm điều trái đạo để khỏi mang tiếng cho dòng họ.

Bản gia phả này chỉ lưu hành trong họ. Người nào muốn sao chép phải được trưởng họ đồng ý. Con cháu đi làm ăn xa, dù ở nơi đâu, cũng nên nhớ về quê cha đất tổ, về thắp nén hương cho các bậc tiền nhân."""),
]  # fmt: skip

BAN_TIN = [
    ("Lễ hội Trường Yên năm 1998", """Từ ngày mồng tám đến ngày mồng mười tháng ba âm lịch, lễ hội Trường Yên đã diễn ra tại khu di tích cố đô Hoa Lư. Năm nay, ban tổ chức chú trọng phần lễ theo đúng nghi thức truyền thống, đồng thời giảm bớt các hàng quán lấn chiếm lối đi vào đền.

Mở đầu lễ hội là lễ rước nước từ sông Sào Khê về đền vua Đinh và đền vua Lê. Đoàn rước gồm hàng trăm người mặc trang phục cổ, cờ lọng rực rỡ, đi theo nhịp trống chiêng. Sau lễ tế là các trò chơi dân gian: đánh cờ người, đấu vật, bơi chải trên sông và thi nấu cơm. Đặc biệt, các em thiếu nhi xã Trường Yên đã diễn lại tích cờ lau tập trận, gợi nhớ tuổi thơ của Đinh Bộ Lĩnh.

Theo ước tính của ban quản lý di tích, trong ba ngày lễ hội có khoảng năm mươi nghìn lượt khách đến dâng hương và tham quan. Công tác giữ gìn trật tự, vệ sinh được thực hiện tốt; không để xảy ra tình trạng ép giá hay chèo kéo khách."""),
    ("Thư viện đưa sách về cơ sở", """Thực hiện chủ trương đưa văn hóa về cơ sở, trong quý một năm nay, thư viện tỉnh đã luân chuyển hơn ba nghìn cuốn sách về các tủ sách xã ở những huyện miền núi và ven biển. Mỗi đợt luân chuyển có từ ba trăm đến năm trăm cuốn, gồm sách hướng dẫn kỹ thuật trồng trọt, chăn nuôi, sách pháp luật phổ thông và truyện thiếu nhi.

Tại nhiều xã, tủ sách được đặt ngay trong nhà văn hóa thôn, do một cán bộ đoàn thanh niên trông coi. Bà con có thể mượn sách về nhà đọc trong hai tuần. Anh Trần Văn Hải, một nông dân trồng lúa, cho biết nhờ cuốn sách về phòng trừ sâu bệnh mượn ở tủ sách thôn mà vụ chiêm vừa rồi gia đình anh giảm được đáng kể chi phí thuốc.

Bên cạnh đó, thư viện tỉnh cũng mở thêm phòng đọc thiếu nhi với gần hai nghìn đầu sách, mở cửa cả ngày thứ bảy và chủ nhật. Trong các dịp hè, thư viện tổ chức thi kể chuyện theo sách và giới thiệu sách mới cho các em học sinh."""),
    ("Gìn giữ nghệ thuật hát xẩm", """Hát xẩm là lối hát dân gian của những người hát rong, thường biểu diễn ở chợ, bến đò và các nơi đông người. Theo truyền thuyết được lưu truyền trong giới nghệ nhân, tổ nghề hát xẩm là Trần Quốc Đĩnh, một hoàng tử đời Trần bị hãm hại mà mù mắt, sau được tiên ông dạy cho cách làm đàn và hát để kiếm sống.

Những năm gần đây, số nghệ nhân biết hát xẩm ngày càng ít, phần lớn đã cao tuổi. Để gìn giữ vốn quý này, Sở Văn hóa – Thông tin đã phối hợp với các nhà nghiên cứu ghi âm, ghi chép lời ca của nhiều bài xẩm cổ như Thập ân, Anh Khóa, Mục hạ vô nhân. Các bản ghi sẽ được lưu tại thư viện tỉnh để phục vụ nghiên cứu và giảng dạy.

Trong năm nay, một lớp truyền dạy hát xẩm cho thanh niên cũng sẽ được mở tại nhà văn hóa tỉnh. Các học viên được học cách đánh đàn nhị, đàn bầu, gõ sênh phách và hát những làn điệu cơ bản. Ban biên tập mong nhận được tin bài, ảnh và tư liệu của bạn đọc về các loại hình nghệ thuật dân gian ở địa phương."""),
]  # fmt: skip

# Each document: how it is described and who may read it. "record" documents are linked to a catalogue
# record the step creates (MARC); the others are standalone with Dublin Core (and a surrogate record).
DOCUMENTS = [
    {
        "key": "hoa-lu", "title": "Địa chí Hoa Lư: cố đô và các di tích", "access": AccessLevel.OPEN,
        "rights": Rights.INC_EDU, "collections": ["dia-chi"], "pages": HOA_LU,
        "record": {"author": "Thư viện tỉnh Ninh Bình", "publisher": "Thư viện tỉnh Ninh Bình", "year": "2019",
                   "subjects": ["Hoa Lư (Ninh Bình)", "Di tích lịch sử", "Địa chí"]},
    },
    {
        "key": "huong-uoc", "title": "Hương ước làng Yên Mô năm Bảo Đại thứ 10", "access": AccessLevel.RESTRICTED,
        "rights": Rights.NOC_CR, "collections": ["sach-quy", "dia-chi"], "pages": HUONG_UOC,
        "dc": {"creator": ["Hội đồng kỳ mục làng Yên Mô"], "date": "1935", "type": "Text", "language": "vie",
               "subject": ["Hương ước", "Lệ làng", "Yên Mô (Ninh Bình)"], "coverage": "Yên Mô, Ninh Bình",
               "description": "Bản hương ước của làng Yên Mô lập năm Ất Hợi (1935): việc làng, tế lễ, cưới xin, "
                              "ma chay, canh phòng, đê điều và khuyến học. Bản chép tay lưu tại đình làng.",
               "source": "Bản chép tay, đình làng Yên Mô"},
    },
    {
        "key": "gia-pha", "title": "Gia phả họ Đinh ở Gia Viễn", "access": AccessLevel.SECRET,
        "rights": Rights.INC_RUU, "collections": ["dia-chi"], "pages": GIA_PHA,
        "dc": {"creator": ["Đinh Văn Thành (chép lại)"], "date": "1962", "type": "Text", "language": "vie",
               "subject": ["Gia phả", "Họ Đinh", "Gia Viễn (Ninh Bình)"], "coverage": "Gia Viễn, Ninh Bình",
               "description": "Gia phả dòng họ Đinh, chép lại năm 1962; tài liệu gia đình ký gửi, chỉ phục vụ khi "
                              "được dòng họ đồng ý."},
    },
    {
        "key": "ban-tin", "title": "Bản tin Văn hóa Ninh Bình số 3/1998", "access": AccessLevel.OPEN,
        "rights": Rights.INC_NC, "collections": ["bao-chi", "dia-chi"], "pages": BAN_TIN,
        "dc": {"publisher": "Sở Văn hóa – Thông tin Ninh Bình", "date": "1998", "type": "Text", "language": "vie",
               "subject": ["Văn hóa", "Lễ hội", "Thư viện", "Hát xẩm"], "coverage": "Ninh Bình",
               "description": "Bản tin nội bộ của ngành văn hóa tỉnh: lễ hội Trường Yên, luân chuyển sách về "
                              "cơ sở, gìn giữ nghệ thuật hát xẩm."},
    },
]  # fmt: skip

COLLECTIONS = {
    "dia-chi": ("Tài liệu địa chí Ninh Bình", "local_history"),
    "sach-quy": ("Sách cổ, quý hiếm", "rare"),
    "bao-chi": ("Báo, bản tin địa phương", "newspaper"),
}
SAMPLE_PAGES = "1-2"
SAMPLE_PURPOSE = "Tìm hiểu lệ làng xưa để viết bài cho câu lạc bộ sử học của phường."


def _record_marc(doc: dict, root: Library) -> pymarc.Record:
    """The catalogue record of a linked document, with the local-history subject the collection uses."""
    info = doc["record"]
    marc = pymarc.Record(leader="00000nam a2200000 i 4500", force_utf8=True)
    marc.add_field(pymarc.Field(tag="003", data=root.code))
    marc.add_field(pymarc.Field(tag="008", data=f"240101s{info['year']}    vm            000 0 vie d"))
    marc.add_field(
        pymarc.Field(tag="110", indicators=["2", " "], subfields=[pymarc.Subfield("a", info["author"])])
    )
    title, _, subtitle = doc["title"].partition(": ")
    subfields = [pymarc.Subfield("a", title + (" :" if subtitle else ""))]
    if subtitle:
        subfields.append(pymarc.Subfield("b", subtitle))
    marc.add_field(pymarc.Field(tag="245", indicators=["1", "0"], subfields=subfields))
    marc.add_field(pymarc.Field(tag="264", indicators=[" ", "1"], subfields=[
        pymarc.Subfield("a", "Ninh Bình :"), pymarc.Subfield("b", info["publisher"] + ","),
        pymarc.Subfield("c", info["year"])]))  # fmt: skip
    marc.add_field(pymarc.Field(tag="300", indicators=[" ", " "],
                                subfields=[pymarc.Subfield("a", f"{len(doc['pages'])} tr. ;"),
                                           pymarc.Subfield("c", "21 cm")]))  # fmt: skip
    for subject in info["subjects"]:
        marc.add_field(
            pymarc.Field(tag="650", indicators=[" ", "7"], subfields=[pymarc.Subfield("a", subject)])
        )
    marc.add_field(
        pymarc.Field(tag="651", indicators=[" ", "7"], subfields=[pymarc.Subfield("a", "Ninh Bình")])
    )
    return marc


def _collections(root: Library, codes: list[str]) -> list[Collection]:
    found = []
    for code in codes:
        name, kind = COLLECTIONS[code]
        collection, _ = Collection.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "library": root}
        )
        found.append(collection)
    return found


def _publish(obj: DigitalObject, actor) -> DigitalObject:
    """Move OBJ on to published: through OCR when every page has its text, else straight to review."""
    obj.refresh_from_db()
    if obj.stage == Stage.SCANNED and not obj.pages.exclude(ocr_status="done").exists():
        obj = actions.move_stage(obj, Stage.OCR, actor=actor, note="OCR")
    for stage in (Stage.REVIEWED, Stage.PUBLISHED):
        if obj.stage != Stage.PUBLISHED and obj.stage != stage:
            obj = actions.move_stage(obj, stage, actor=actor, note="demo")
    return obj


def _ocr(obj: DigitalObject, run_now: bool) -> str:
    from thuvien.digital import ocr

    if run_now:
        for page_id in obj.pages.order_by("seq").values_list("pk", flat=True):
            ocr.ocr_page(page_id)
        return "done"
    ocr.enqueue_object(obj.pk)
    return "queued"


def _document(doc: dict, root: Library, actor, folder: Path, run_ocr: bool) -> tuple[DigitalObject, str]:
    from thuvien.digital.ingest import ingest_paths
    from thuvien.digital.render import render_page

    paths = []
    for n, (heading, text) in enumerate(doc["pages"], 1):
        path = folder / doc["key"] / f"{n:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        render_page(text, dpi=300, heading=heading).pngsave(str(path), compression=1)
        paths.append(path)
    record = None
    if "record" in doc:
        record = Record.objects.filter(source_library=root, title__startswith=doc["title"].split(":")[0],
                                       deleted_at__isnull=True).first()  # fmt: skip
        if record is None:
            record = save_record(None, _record_marc(doc, root), actor=actor, library=root)
        local = Collection.objects.filter(code="dia-chi").first()
        if local is not None:
            local.records.add(record)
    toc = [{"label": heading, "page": n} for n, (heading, _) in enumerate(doc["pages"], 1)]
    result = ingest_paths(
        paths, library=root, actor=actor, record=record, dc=None if record else {**doc["dc"], "title": doc["title"]},
        title=doc["title"], access=doc["access"], rights=doc["rights"],
        collections=_collections(root, doc["collections"]), toc=toc, ocr=False,
        source_names=[f"{doc['key']}-{n:02d}.png" for n in range(1, len(paths) + 1)],
    )  # fmt: skip
    state = _ocr(result.object, run_ocr)
    return _publish(result.object, actor), state


def _sample_copy(obj: DigitalObject, reader: Reader, approver) -> CopyRequest | None:
    """The demo reader's copy of two pages of the restricted document: approved, made and paid for."""
    req = CopyRequest.objects.filter(reader=reader, object=obj).first()
    if req is None:
        req = copies.request_copy(reader=reader, obj=obj, pages_text=SAMPLE_PAGES, purpose=SAMPLE_PURPOSE)
    if req.status == CopyStatus.REQUESTED:
        copies.approve_copy(req, actor=approver, note="Đồng ý; nhận phí tại quầy khi đến thư viện.")
    # Made here rather than by the queued task, so the demo shows it at once (the task then finds it done).
    copies.make_copy_pdf(req.pk)
    req.refresh_from_db()
    if req.fee is not None and req.fee.outstanding > 0:
        # Paid by bank transfer, as a reader far away would: the demo reader's debts stay as the circulation
        # demo shaped them (below the blocking threshold).
        from thuvien.circulation.actions import pay_fees
        from thuvien.circulation.models import Payment

        pay_fees(reader=reader, amount=req.fee.outstanding, library=obj.library, actor=approver,
                 method=Payment.Method.TRANSFER, fees=[req.fee])  # fmt: skip
        req.refresh_from_db()
    return req


def _staff(people: dict, role: str, library: str) -> User | None:
    for person in people.get("staff", []):
        if role in person["roles"] and person["library"] == library:
            return User.objects.filter(username=person["username"]).first()
    return None


def build_digital(people: dict, *, log=print, ocr: bool | None = None) -> dict:
    """Create (once) the demo's digitised documents, a copy fee rule and a sample copy; return what to show.

    OCR runs now when tesseract is installed (OCR None or True), else is queued for the worker.
    """
    from thuvien.digital import ocr as ocr_module

    started = time.perf_counter()
    root = Library.objects.get(code=people["reader"]["library"])
    admin = _staff(people, "admin", root.code)
    cataloguer = _staff(people, "cataloguer", root.code) or admin
    run_ocr = ocr_module.tesseract_available() if ocr is None else ocr
    if ocr is None and not run_ocr:
        log("thuvien demo: tesseract (with the vie language) is not installed: OCR of the digitised pages "
            "waits in the queue until it is (`apt-get install tesseract-ocr tesseract-ocr-vie`).")  # fmt: skip
    with transaction.atomic():
        CopyFeeRule.objects.get_or_create(
            library=root, defaults={"per_page": 2000, "restricted_per_page": 5000, "minimum": 10000,
                                    "max_pages": 30, "days_valid": 14},
        )  # fmt: skip
    objects, ocr_state, created = {}, "", 0
    with tempfile.TemporaryDirectory(prefix="thuvien-demo-digital-") as tmp:
        for doc in DOCUMENTS:
            obj = DigitalObject.objects.filter(library=root, title=doc["title"]).first()
            if obj is None:
                obj, ocr_state = _document(doc, root, cataloguer, Path(tmp), run_ocr)
                created += 1
            objects[doc["key"]] = obj
    sample = None
    reader = Reader.objects.filter(card=people["reader"]["card"]).first()
    if reader is not None and admin is not None:
        sample = _sample_copy(objects["huong-uoc"], reader, admin)
    seconds = round(time.perf_counter() - started, 1)
    log(f"thuvien demo: digitised collection: {created} documents made, OCR {ocr_state or '—'}, {seconds} s")
    return {
        "objects": [
            {"key": key, "id": obj.pk, "title": obj.title, "access": obj.access, "pages": obj.page_count}
            for key, obj in objects.items()
        ],
        "created": created,
        "ocr": ocr_state,
        "copy_request": sample.pk if sample else None,
        "copy_status": sample.status if sample else "",
        "seconds": seconds,
    }


def summary_lines(summary: dict, base_url: str) -> list[str]:
    """What the demo command prints about the digitised collection."""
    base = base_url.rstrip("/")
    labels = {AccessLevel.OPEN: "mở", AccessLevel.RESTRICTED: "hạn chế", AccessLevel.SECRET: "mật"}
    lines = [f"Thư viện số (digital library) — {base}/so-hoa/ ; cán bộ: {base}/staff/digital/"]
    for obj in summary["objects"]:
        lines.append(f"  [{labels.get(obj['access'], obj['access'])}] {obj['title']} ({obj['pages']} trang) "
                     f"— {base}/so-hoa/{obj['id']}/")  # fmt: skip
    if summary.get("copy_request"):
        lines.append(f"  Bản sao mẫu của bạn đọc mẫu (sample copy): {base}/so-hoa/sao-chup/ ; "
                     f"duyệt bản sao (staff): {base}/staff/digital/copies/")  # fmt: skip
    if summary.get("ocr") == "queued":
        lines.append("  OCR đang chờ tesseract (OCR waits for tesseract): chạy `thuvien worker` sau khi cài.")
    return lines
