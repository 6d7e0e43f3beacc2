#define BOOST_TEST_MODULE strato_control
#include <boost/test/unit_test.hpp>
