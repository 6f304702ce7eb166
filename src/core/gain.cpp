// SPDX-License-Identifier: GPL-2.0
// Fixed-point gain (see gain.hpp).
#include "gain.hpp"

namespace vcpcm {
namespace {

// 10^(dB/20) in Q30 for whole dB from -103 to +4.
constexpr int32_t DB_TABLE_MIN = -103;
constexpr uint32_t db_q30[] = {
	7602, 8529, 9570, 10737, 12048, 13518,
	15167, 17018, 19094, 21424, 24038, 26971,
	30262, 33955, 38098, 42746, 47962, 53815,
	60381, 67749, 76015, 85290, 95697, 107374,
	120476, 135176, 151670, 170177, 190941, 214240,
	240381, 269712, 302622, 339547, 380978, 427464,
	479623, 538146, 603809, 677485, 760151, 852903,
	956973, 1073742, 1204758, 1351761, 1516701, 1701766,
	1909413, 2142397, 2403809, 2697118, 3026216, 3395470,
	3809780, 4274643, 4796229, 5381457, 6038094, 6774853,
	7601510, 8529034, 9569734, 10737418, 12047581, 13517609,
	15167006, 17017661, 19094130, 21423966, 24038085, 26971175,
	30262156, 33954698, 38097798, 42746432, 47962285, 53814569,
	60380940, 67748529, 76015100, 85290345, 95697341, 107374182,
	120475814, 135176087, 151670064, 170176611, 190941298, 214239660,
	240380852, 269711752, 302621563, 339546978, 380977976, 427464319,
	479622855, 538145694, 603809400, 677485290, 760150998, 852903448,
	956973408, 1073741824, 1204758142, 1351760868, 1516700640, 1701766107,
};

// 10^(h/2000) in Q30 for the hundredths h = 0..99 between whole dB.
constexpr uint32_t hundredth_q30[] = {
	1073741824, 1074978727, 1076217055, 1077456809, 1078697991, 1079940603,
	1081184647, 1082430123, 1083677035, 1084925383, 1086175168, 1087426394,
	1088679061, 1089933171, 1091188725, 1092445726, 1093704175, 1094964074,
	1096225423, 1097488226, 1098752484, 1100018198, 1101285370, 1102554002,
	1103824095, 1105095651, 1106368672, 1107643160, 1108919116, 1110196541,
	1111475438, 1112755808, 1114037654, 1115320975, 1116605776, 1117892056,
	1119179818, 1120469063, 1121759794, 1123052011, 1124345717, 1125640913,
	1126937602, 1128235784, 1129535461, 1130836636, 1132139309, 1133443483,
	1134749160, 1136056341, 1137365027, 1138675221, 1139986924, 1141300138,
	1142614865, 1143931107, 1145248865, 1146568140, 1147888936, 1149211253,
	1150535093, 1151860459, 1153187351, 1154515771, 1155845722, 1157177205,
	1158510222, 1159844774, 1161180863, 1162518492, 1163857662, 1165198374,
	1166540631, 1167884434, 1169229785, 1170576685, 1171925138, 1173275143,
	1174626704, 1175979822, 1177334498, 1178690735, 1180048535, 1181407898,
	1182768827, 1184131325, 1185495391, 1186861029, 1188228240, 1189597026,
	1190967389, 1192339331, 1193712853, 1195087957, 1196464645, 1197842919,
	1199222781, 1200604232, 1201987275, 1203371911,
};

template <typename T> T clamp(int64_t v, int64_t lo, int64_t hi)
{
	return static_cast<T>(v < lo ? lo : v > hi ? hi : v);
}

int64_t scale(int64_t sample, int64_t q30)
{
	int64_t p = sample * q30;
	return (p + (p >= 0 ? 1ll << 29 : -(1ll << 29))) / (1ll << 30);	// round to nearest
}

uint32_t load_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void store_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = static_cast<uint8_t>(v >> (8 * i));
}

} // namespace

void Gain::set(int32_t centibel, bool mute)
{
	if (mute) {
		q30_ = 0;
		return;
	}
	centibel = centibel < MIN_CENTIBEL ? MIN_CENTIBEL : centibel > MAX_CENTIBEL ? MAX_CENTIBEL : centibel;
	// Whole dB times the hundredths: two table look-ups, exact to Q30.
	int32_t db = centibel >= 0 ? centibel / 100 : -((-centibel + 99) / 100);
	int32_t hundredths = centibel - db * 100;
	uint64_t product = static_cast<uint64_t>(db_q30[db - DB_TABLE_MIN]) * hundredth_q30[hundredths];
	q30_ = static_cast<int64_t>((product + (1ull << 29)) >> 30);
}

uint32_t Gain::scale_float(uint32_t bits, int64_t q30)
{
	uint32_t sign = bits & 0x80000000u;
	int32_t exp = static_cast<int32_t>((bits >> 23) & 0xff);
	if (exp == 0xff)
		return bits;		// inf and NaN stay
	if (exp == 0 || q30 == 0)
		return sign;		// denormals flush to zero
	uint64_t product = static_cast<uint64_t>((bits & 0x7fffff) | 0x800000) * static_cast<uint64_t>(q30);
	int top = 63 - __builtin_clzll(product);	// leading bit of product
	exp += top - 23 - 30;
	if (exp <= 0)
		return sign;
	if (exp >= 0xff)
		return sign | 0x7f7fffffu;	// clamp to the largest finite value
	return sign | static_cast<uint32_t>(exp) << 23 | static_cast<uint32_t>((product >> (top - 23)) & 0x7fffff);
}

void Gain::apply(uint32_t wire_format, uint8_t *data, uint32_t len) const
{
	if (is_unity())
		return;		// bit-exact, untouched
	switch (wire_format) {
	case VCPCM_FMT_U8:
		for (uint32_t i = 0; i < len; i++)
			data[i] = clamp<uint8_t>(scale(data[i] - 128, q30_) + 128, 0, 255);
		break;
	case VCPCM_FMT_S16_LE:
		for (uint32_t i = 0; i + 2 <= len; i += 2) {
			int16_t s = static_cast<int16_t>(data[i] | data[i + 1] << 8);
			uint16_t v = static_cast<uint16_t>(clamp<int16_t>(scale(s, q30_), -32768, 32767));
			data[i] = static_cast<uint8_t>(v);
			data[i + 1] = static_cast<uint8_t>(v >> 8);
		}
		break;
	case VCPCM_FMT_S24_LE:
		for (uint32_t i = 0; i + 4 <= len; i += 4) {
			int32_t s = static_cast<int32_t>(load_le32(data + i) << 8) >> 8;
			int32_t v = clamp<int32_t>(scale(s, q30_), -(1 << 23), (1 << 23) - 1);
			store_le32(data + i, static_cast<uint32_t>(v));
		}
		break;
	case VCPCM_FMT_S32_LE:
		for (uint32_t i = 0; i + 4 <= len; i += 4) {
			int32_t s = static_cast<int32_t>(load_le32(data + i));
			store_le32(data + i, static_cast<uint32_t>(clamp<int32_t>(scale(s, q30_), -2147483648ll, 2147483647ll)));
		}
		break;
	case VCPCM_FMT_FLOAT_LE:
		for (uint32_t i = 0; i + 4 <= len; i += 4)
			store_le32(data + i, scale_float(load_le32(data + i), q30_));
		break;
	}
}

} // namespace vcpcm

extern "C" int64_t vcpcm_gain_q30(int32_t centibel, int mute)
{
	vcpcm::Gain g;
	g.set(centibel, mute != 0);
	return g.q30();
}

extern "C" void vcpcm_gain_apply(int32_t centibel, int mute, uint32_t wire_format, uint8_t *data,
				 uint32_t len)
{
	vcpcm::Gain g;
	g.set(centibel, mute != 0);
	g.apply(wire_format, data, len);
}

extern "C" uint32_t vcpcm_gain_scale_float(uint32_t bits, int64_t q30)
{
	return vcpcm::Gain::scale_float(bits, q30);
}
