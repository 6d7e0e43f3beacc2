#define BOOST_TEST_MODULE strato_wire
#include <boost/test/unit_test.hpp>
